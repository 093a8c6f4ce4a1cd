import type { BalanceReader } from './balance.js';
import type { ReadTextFile } from './request.js';

/** Everything the commands touch in the outside world, injectable for tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  fetch: typeof globalThis.fetch;
  readFile?: ReadTextFile;
  /** ERC-20 balance reader used with `--rpc` (default: viem public client). */
  readBalance?: BalanceReader;
}

/** The real process: console output, process.env, global fetch. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    fetch: globalThis.fetch,
  };
}
