import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DEVNET_MNEMONIC } from './accounts.js';

/** How to launch anvil. Everything is optional. */
export interface AnvilOptions {
  /** TCP port; 0 or undefined lets the OS pick a free one (read back from anvil's "Listening on" line). */
  readonly port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 31337. */
  readonly chainId?: number;
  /** Interval mining every `blockTime` seconds (fractions allowed). Default: automine (a block per transaction). */
  readonly blockTime?: number;
  /** Number of mnemonic accounts anvil funds with ETH and unlocks. Default 10. */
  readonly accounts?: number;
  /** When false, anvil's output is forwarded to this process's stdout/stderr. Default true. */
  readonly silent?: boolean;
  /** Give up (and kill anvil) if it is not answering JSON-RPC after this long. Default 10 000 ms. */
  readonly startTimeoutMs?: number;
  /** Path of the anvil executable. Default: `$ANVIL_BIN`, then `@foundry-rs/anvil-<os>-<arch>`, then `anvil` on PATH. */
  readonly binary?: string;
  /** Extra command-line flags appended as-is. */
  readonly extraArgs?: readonly string[];
}

/** A running anvil child process. */
export interface AnvilProcess {
  /** e.g. `http://127.0.0.1:43817` */
  readonly rpcUrl: string;
  readonly host: string;
  readonly port: number;
  readonly chainId: number;
  readonly pid: number;
  /** True once the process has exited (after {@link AnvilProcess.stop} or a crash). */
  readonly exited: boolean;
  /** The last few kilobytes anvil printed, for diagnostics. */
  output(): string;
  /** SIGTERM, then SIGKILL after 2 s; resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
}

const OUTPUT_TAIL_CHARS = 8_000;
const LISTENING = /Listening on (\S+):(\d+)/;

/** Anvils this process started and has not yet seen exit; killed synchronously on process exit. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/**
 * Locates the anvil executable: `$ANVIL_BIN`, else the platform package installed by `@foundry-rs/anvil`
 * (e.g. `node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil`; its postinstall need not have run),
 * else plain `anvil` from PATH (foundryup).
 *
 * @example
 * ```ts
 * resolveAnvilBinary(); // '/repo/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil'
 * ```
 */
export function resolveAnvilBinary(): string {
  const fromEnv = process.env.ANVIL_BIN;
  if (fromEnv) return fromEnv;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
    const candidate = join(dirname(pkg), 'bin', exe);
    if (existsSync(candidate)) return candidate;
  } catch {
    // platform package not installed
  }
  return exe;
}

/**
 * Kills anvil if this Node process dies without running its 'exit' hooks (SIGKILL, fatal signal):
 * a tiny shell blocks reading a pipe from us; when the pipe closes (we died) it kills anvil.
 */
function spawnWatchdog(pid: number): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    const dog = spawn('/bin/sh', ['-c', `read _ ; kill -9 ${pid} 2>/dev/null`], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    dog.on('error', () => undefined);
    dog.stdin?.on('error', () => undefined);
    dog.unref();
    (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return dog;
  } catch {
    return undefined;
  }
}

async function rpcChainId(rpcUrl: string): Promise<number> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal: AbortSignal.timeout(1_000),
  });
  const body = (await res.json()) as { result?: string; error?: { message: string } };
  if (!body.result) throw new Error(body.error?.message ?? `unexpected eth_chainId response ${res.status}`);
  return Number(body.result);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Spawns anvil and resolves once it answers `eth_chainId` with the requested chain id. Rejects with
 * anvil's own output if it exits or does not come up within `startTimeoutMs` (and kills it in that case).
 * Anvils are also killed when this process exits, or dies by a signal (see the watchdog above).
 *
 * @example
 * ```ts
 * const anvil = await spawnAnvil({ chainId: 84532 });
 * console.log(anvil.rpcUrl); // http://127.0.0.1:<free port>
 * await anvil.stop();
 * ```
 */
export async function spawnAnvil(options: AnvilOptions = {}): Promise<AnvilProcess> {
  const host = options.host ?? '127.0.0.1';
  const chainId = options.chainId ?? 31337;
  const silent = options.silent ?? true;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const binary = options.binary ?? resolveAnvilBinary();
  const args = [
    '--host', host,
    '--port', String(options.port ?? 0),
    '--chain-id', String(chainId),
    '--accounts', String(options.accounts ?? 10),
    '--mnemonic', DEVNET_MNEMONIC,
    ...(options.blockTime ? ['--block-time', String(options.blockTime)] : []),
    ...(options.extraArgs ?? []),
  ];

  installExitHook();
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);

  let tail = '';
  const record = (chunk: string) => {
    tail = (tail + chunk).slice(-OUTPUT_TAIL_CHARS);
  };
  let exited = false;
  let exitInfo = '';
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitInfo = signal ? `signal ${signal}` : `code ${code}`;
      running.delete(child);
      resolve();
    });
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (err) => {
      exited = true;
      running.delete(child);
      reject(
        new Error(
          `could not start anvil (${binary}): ${err.message}. Install @foundry-rs/anvil or set ANVIL_BIN.`,
          { cause: err },
        ),
      );
    });
  });
  spawnError.catch(() => undefined);

  const address = new Promise<{ host: string; port: number }>((resolve) => {
    let pending = '';
    let listening = false;
    child.stdout!.setEncoding('utf8');
    // Keep draining stdout for the life of the process, or anvil would block on a full pipe.
    child.stdout!.on('data', (chunk: string) => {
      record(chunk);
      if (!silent) process.stdout.write(chunk);
      if (listening) return;
      pending = (pending + chunk).slice(-4_000);
      const match = LISTENING.exec(pending);
      if (match) {
        listening = true;
        resolve({ host: match[1], port: Number(match[2]) });
      }
    });
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    record(chunk);
    if (!silent) process.stderr.write(chunk);
  });

  const dog = child.pid ? spawnWatchdog(child.pid) : undefined;
  exitPromise.then(() => dog?.kill('SIGKILL'));

  const stop = async (): Promise<void> => {
    if (exited) return;
    dog?.kill('SIGKILL');
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const escalate = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
        resolve();
      }, 2_000);
    });
    await Promise.race([exitPromise, escalate]);
    clearTimeout(timer);
    await exitPromise;
  };

  const fail = async (reason: string): Promise<never> => {
    await stop();
    const out = tail.trim();
    const command = [binary, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
    throw new Error(`anvil ${reason}${out ? `; its output:\n${out}` : ' (no output)'}\ncommand: ${command}`);
  };

  const deadline = Date.now() + startTimeoutMs;
  let timeoutTimer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timeoutTimer = setTimeout(() => resolve('timeout'), startTimeoutMs);
  });
  try {
    const first = await Promise.race([address, exitPromise.then(() => 'exited' as const), timeout, spawnError]);
    if (first === 'exited') return await fail(`exited (${exitInfo}) before listening`);
    if (first === 'timeout') return await fail(`did not start listening within ${startTimeoutMs} ms`);

    const connectHost = first.host === '0.0.0.0' ? '127.0.0.1' : first.host.includes(':') ? `[${first.host}]` : first.host;
    const rpcUrl = `http://${connectHost}:${first.port}`;
    let lastError: unknown;
    for (;;) {
      if (exited) return await fail(`exited (${exitInfo}) during startup`);
      try {
        const answered = await rpcChainId(rpcUrl);
        if (answered !== chainId) return await fail(`reports chain id ${answered}, expected ${chainId}`);
        break;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() > deadline) {
        return await fail(`did not answer eth_chainId within ${startTimeoutMs} ms (${String(lastError)})`);
      }
      await sleep(20);
    }

    return {
      rpcUrl,
      host: first.host,
      port: first.port,
      chainId,
      pid: child.pid!,
      get exited() {
        return exited;
      },
      output: () => tail,
      stop,
    };
  } finally {
    clearTimeout(timeoutTimer);
  }
}
