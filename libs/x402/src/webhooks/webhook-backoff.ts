/** Retry schedule of webhook deliveries. */
export interface X402WebhookRetryOptions {
  /** Delay after the first failed attempt, in ms (default 10 s); it doubles on each further failure. */
  baseDelayMs?: number;
  /** Longest delay between two attempts, in ms (default 1 hour). */
  maxDelayMs?: number;
  /** How long a delivery is retried after the event, in ms (default 24 hours); then it is `failed`. */
  giveUpAfterMs?: number;
}

/** The retry schedule with its defaults applied. */
export type X402WebhookRetryPolicy = Required<X402WebhookRetryOptions>;

/** Defaults of {@link X402WebhookRetryOptions}. */
export const X402_WEBHOOK_RETRY_DEFAULTS: X402WebhookRetryPolicy = { baseDelayMs: 10_000, maxDelayMs: 3_600_000, giveUpAfterMs: 86_400_000 };

/**
 * Delay before the next attempt after `attempts` failed ones: exponential (`baseDelayMs * 2^(attempts-1)`,
 * at most `maxDelayMs`) with "equal jitter" (between half and all of it), so that the deliveries of one
 * outage do not all come back at the same instant.
 *
 * @example
 * webhookRetryDelay(3, X402_WEBHOOK_RETRY_DEFAULTS); // 20,000 to 40,000 ms
 */
export function webhookRetryDelay(attempts: number, policy: X402WebhookRetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/**
 * When to try a failed delivery again, or `undefined` when its time is up (`retryUntil` reached):
 * the delivery is then `failed`. The last attempt is made at `retryUntil` at the latest.
 *
 * @example
 * const next = nextWebhookAttempt(delivery.attempts, delivery.retryUntil, policy);
 * next ? store.finish(id, attempt, { state: 'pending', nextAttemptAt: next }) : store.finish(id, attempt, { state: 'failed' });
 */
export function nextWebhookAttempt(attempts: number, retryUntil: Date, policy: X402WebhookRetryPolicy, now = new Date(), random: () => number = Math.random): Date | undefined {
  if (now.getTime() >= retryUntil.getTime()) return undefined;
  return new Date(Math.min(now.getTime() + webhookRetryDelay(attempts, policy, random), retryUntil.getTime()));
}
