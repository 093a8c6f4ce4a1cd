import { logSafe } from '../logging/log-safe.js';

/** Thresholds of the x402 health indicators. */
export interface X402HealthOptions {
  /** Each check gives up after this long (default 3000 ms). */
  timeoutMs?: number;
  /** Local facilitator: least native balance (wei) of the gas signer (default 0.001 ETH). */
  minGasBalanceWei?: bigint;
  /** Chain: the latest block may be at most this old (default 120 s; devnets without traffic: raise it). */
  maxBlockAgeSeconds?: number;
  /** Outbox: most payments waiting for settlement (default 1000). */
  maxOutboxBacklog?: number;
  /** Outbox: oldest unsettled payment may be at most this old (default 600 s). */
  maxUnsettledAgeSeconds?: number;
}

export const X402_HEALTH_OPTIONS = Symbol('x402:health-options');

export type ResolvedHealthOptions = Required<X402HealthOptions>;

export function resolveHealthOptions(options: X402HealthOptions = {}): ResolvedHealthOptions {
  return {
    timeoutMs: options.timeoutMs ?? 3000,
    minGasBalanceWei: options.minGasBalanceWei ?? 1_000_000_000_000_000n,
    maxBlockAgeSeconds: options.maxBlockAgeSeconds ?? 120,
    maxOutboxBacklog: options.maxOutboxBacklog ?? 1000,
    maxUnsettledAgeSeconds: options.maxUnsettledAgeSeconds ?? 600,
  };
}

/** Rejects if `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The first line of an error, without credentials in URLs (health details may reach dashboards and logs). */
export function reason(error: unknown): string {
  return logSafe(error instanceof Error ? error.message.split('\n')[0] : String(error), 200);
}
