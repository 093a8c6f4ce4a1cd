import { readFileSync } from 'node:fs';
import type { Hex } from 'viem';

/** Shape of `libs/devnet/contracts/artifacts.json`, written by `npm run devnet:compile`. */
export interface DevnetArtifacts {
  readonly TestUSDC: { readonly abi: readonly unknown[]; readonly bytecode: Hex };
  readonly Multicall3: { readonly abi: readonly unknown[]; readonly bytecode: Hex; readonly deployedBytecode: Hex };
  /** Permit2 signature transfers, installed (runtime code only) at the canonical Permit2 address. */
  readonly DevnetPermit2: { readonly abi: readonly unknown[]; readonly deployedBytecode: Hex };
  /** The x402 `upto` Permit2 proxy, installed (runtime code only) where `@x402/evm` expects it. */
  readonly DevnetUptoPermit2Proxy: { readonly abi: readonly unknown[]; readonly deployedBytecode: Hex };
  /** solc version that produced the bytecode. */
  readonly compiler: string;
}

let cache: DevnetArtifacts | undefined;

/**
 * Loads the checked-in contract artifact (resolved relative to this module, so it works from `src/`
 * under ts/jest and from `dist/` after `swc --copy-files`). Read once, then cached.
 *
 * @example
 * ```ts
 * const { TestUSDC, compiler } = loadArtifacts();
 * console.log(compiler, TestUSDC.bytecode.length);
 * ```
 */
export function loadArtifacts(): DevnetArtifacts {
  if (!cache) {
    const url = new URL('../contracts/artifacts.json', import.meta.url);
    let text: string;
    try {
      text = readFileSync(url, 'utf8');
    } catch (err) {
      throw new Error(`devnet contract artifacts not found at ${url.pathname}; run "npm run devnet:compile"`, {
        cause: err,
      });
    }
    cache = JSON.parse(text) as DevnetArtifacts;
  }
  return cache;
}
