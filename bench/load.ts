import autocannon from 'autocannon';
import type { SignedPayment } from './payments.js';

/** What one measured run gives: the numbers of the report. */
export interface LoadResult {
  connections: number;
  /** Responses received within the measured window. */
  requests: number;
  /** Responses with the expected status (200 for a route or a payment, 402 for a challenge). */
  served: number;
  /** Responses with another status. */
  refused: number;
  /** Connection errors and timeouts (no response). */
  errors: number;
  statuses: Record<string, number>;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  durationS: number;
}

/** A paid run also tells which payment got which answer, for the chain check (status 0: no answer seen). */
export interface PaidLoadResult extends LoadResult {
  outcomes: { payment: SignedPayment; status: number; /** Concurrent clients of the run that sent it (set by the caller). */ clients?: number }[];
  /** Pre-signed payments the run did not send (they are still unused and valid). */
  unsent: SignedPayment[];
}

function statusCounts(result: autocannon.Result): Record<string, number> {
  return Object.fromEntries(Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, count]));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) / 10;
}

/**
 * Hammers `path` for `durationS` seconds from `connections` keep-alive clients after a one-second
 * warm-up (JIT, connection pools), and counts the answers with `expect` status as served.
 */
export async function timedRun(url: string, path: string, connections: number, durationS: number, expect: number): Promise<LoadResult> {
  await autocannon({ url: url + path, connections, duration: 1 });
  const result = await autocannon({ url: url + path, connections, duration: durationS, timeout: 10 });
  const statuses = statusCounts(result);
  const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
  const served = statuses[String(expect)] ?? 0;
  return {
    connections,
    requests,
    served,
    refused: requests - served,
    errors: result.errors + result.timeouts,
    statuses,
    reqPerSec: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    durationS: result.duration,
  };
}

/**
 * Sends pre-signed payments in `PAYMENT-SIGNATURE`, each once, from `connections` keep-alive
 * clients (each waits for its answer before it sends the next) for `durationS` seconds or until the
 * payments run out. Throughput counts the answers that came within that window; answers after it
 * still count for the chain check. Latency is measured here, from sending a payment to its answer.
 */
export async function paidRun(url: string, path: string, connections: number, payments: SignedPayment[], durationS: number): Promise<PaidLoadResult> {
  const queue = [...payments];
  const outcomes: PaidLoadResult['outcomes'] = [];
  const pending = new Set<SignedPayment>();
  const timed: { status: number; latencyMs: number }[] = [];
  let first = 0;
  let last = 0;
  let windowEnd = Infinity;
  const run = autocannon({
    url,
    connections,
    amount: queue.length,
    timeout: 30,
    requests: [
      {
        method: 'GET',
        path,
        setupRequest: (request, context) => {
          const payment = queue.shift();
          if (!payment) return undefined;
          const now = performance.now();
          first ||= now;
          context.payment = payment;
          context.sentAt = now;
          pending.add(payment);
          return { ...request, headers: { ...request.headers, 'payment-signature': payment.header } };
        },
        onResponse: (status, _body, context) => {
          const now = performance.now();
          const payment = context.payment as SignedPayment;
          pending.delete(payment);
          outcomes.push({ payment, status });
          if (now <= windowEnd) {
            last = now;
            timed.push({ status, latencyMs: now - (context.sentAt as number) });
          }
        },
      },
    ],
  });
  const timer = setTimeout(() => {
    windowEnd = performance.now();
    (run as unknown as { stop(): void }).stop();
  }, durationS * 1000);
  const result = await run;
  clearTimeout(timer);
  for (const payment of pending) outcomes.push({ payment, status: 0 });
  const statuses: Record<string, number> = {};
  for (const { status } of timed) statuses[status] = (statuses[status] ?? 0) + 1;
  const served = statuses['200'] ?? 0;
  const window = (Math.min(windowEnd, Math.max(last, first)) - first) / 1000;
  const latencies = timed.map((t) => t.latencyMs).sort((a, b) => a - b);
  return {
    connections,
    requests: timed.length,
    served,
    refused: timed.length - served,
    errors: result.errors + result.timeouts,
    statuses,
    reqPerSec: window > 0 ? timed.length / window : 0,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    durationS: Math.round(window * 100) / 100,
    outcomes,
    unsent: queue,
  };
}
