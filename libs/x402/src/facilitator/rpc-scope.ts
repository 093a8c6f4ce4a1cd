import { AsyncLocalStorage } from 'node:async_hooks';
import { HttpRequestError, TimeoutError, type Hex } from 'viem';

// What one verify or settle call of the local facilitator saw of the chain: RPC failures told apart
// from refusals, whether a transaction went out, and the code reads it shares.

/** What one verify or settle call saw of the chain: its RPC failures, and the code read at each address. */
export interface OperationScope {
  error?: unknown;
  /** Set when a transaction of this operation was handed to the RPC: from then on it may land. */
  broadcast?: boolean;
  codes?: Map<string, Promise<Hex | undefined>>;
}

/** The scope of the verify or settle call in progress (see {@link OperationScope}). */
export const rpcFailures = new AsyncLocalStorage<OperationScope>();

/**
 * Transport-level failures (node down, timeout, refused), as opposed to the chain answering no. viem wraps them
 * in the failed action's error (`CallExecutionError`, `EstimateGasExecutionError`, ...): the causes are looked at too.
 */
function isTransportFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof HttpRequestError || e instanceof TimeoutError || (e as { name?: string }).name === 'TimeoutError') return true;
  }
  return false;
}

/**
 * The code at `address`, read once per verify or settle call: the exact scheme asks for the payer's
 * code twice in a row (to classify the signature, then to check it), one RPC round trip each.
 */
export function codeAt(address: Hex, read: () => Promise<Hex | undefined>): Promise<Hex | undefined> {
  const scope = rpcFailures.getStore();
  if (!scope) return read();
  scope.codes ??= new Map();
  const key = address.toLowerCase();
  let code = scope.codes.get(key);
  if (!code) {
    code = read();
    scope.codes.set(key, code);
    code.catch(() => scope.codes!.delete(key)); // a failed read is not remembered
  }
  return code;
}

/** Runs an RPC call, noting a transport failure in the current operation's scope (then rethrowing it). */
export async function watchRpc<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const scope = rpcFailures.getStore();
    if (scope && isTransportFailure(error)) scope.error ??= error;
    throw error;
  }
}

/**
 * The chain's RPC could not be reached while a payment was checked or settled. The exact scheme
 * turns such failures into refusals ("invalid signature"); this error keeps them what they are,
 * so the request fails with 503 instead of blaming the payer.
 */
export class ChainUnavailableError extends Error {
  override name = 'ChainUnavailableError';
  /** Whether a transaction of the failed operation was handed to the RPC (it may land); false: nothing was sent. */
  readonly broadcast: boolean;

  constructor(message: string, options: { cause?: unknown; broadcast?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.broadcast = options.broadcast ?? true;
  }
}
