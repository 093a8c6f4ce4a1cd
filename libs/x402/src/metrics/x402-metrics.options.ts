import type { Registry } from 'prom-client';

/** Options of {@link X402MetricsModule}. */
export interface X402MetricsOptions {
  /**
   * Where the metrics are registered. Default: a registry of their own (serve it with
   * `X402MetricsService.metrics()`); pass prom-client's `register` to add them to the default
   * registry an app (or `@willsoto/nestjs-prometheus`) already exposes.
   */
  registry?: Registry;
  /** Prefix of every metric name (default `x402_`). */
  prefix?: string;
  /** Buckets of the settlement latency histogram, in seconds. */
  settlementBuckets?: number[];
}

export const X402_METRICS_OPTIONS = Symbol('x402:metrics-options');

/** Default settlement latency buckets (seconds): a devnet settles in ~10 ms, a public chain in seconds. */
export const DEFAULT_SETTLEMENT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
