import { describe, expect, it } from '@jest/globals';
import { nextWebhookAttempt, webhookRetryDelay, X402_WEBHOOK_RETRY_DEFAULTS } from './webhook-backoff.js';

const policy = X402_WEBHOOK_RETRY_DEFAULTS;
const low = () => 0;
const high = () => 1;

describe('webhook retry schedule', () => {
  it('doubles from 10 s, with equal jitter: between half and all of the exponential delay', () => {
    expect([1, 2, 3, 4, 5].map((n) => webhookRetryDelay(n, policy, high))).toEqual([10_000, 20_000, 40_000, 80_000, 160_000]);
    expect([1, 2, 3, 4, 5].map((n) => webhookRetryDelay(n, policy, low))).toEqual([5_000, 10_000, 20_000, 40_000, 80_000]);
    for (let i = 0; i < 200; i++) {
      const delay = webhookRetryDelay(3, policy);
      expect(delay).toBeGreaterThanOrEqual(20_000);
      expect(delay).toBeLessThanOrEqual(40_000);
    }
  });

  it('is capped at one hour, however many attempts failed', () => {
    expect(webhookRetryDelay(10, policy, high)).toBe(3_600_000);
    expect(webhookRetryDelay(1000, policy, high)).toBe(3_600_000);
    expect(webhookRetryDelay(1000, policy, low)).toBe(1_800_000);
  });

  it('retries for 24 hours after the event, the last attempt at the deadline, then gives up', () => {
    const created = new Date('2026-12-01T00:00:00Z');
    const retryUntil = new Date(created.getTime() + policy.giveUpAfterMs);
    let now = created;
    let attempts = 1;
    const times: Date[] = [];
    for (;;) {
      const next = nextWebhookAttempt(attempts, retryUntil, policy, now, high);
      if (!next) break;
      times.push(next);
      now = next;
      attempts++;
    }
    expect(times[0].getTime() - created.getTime()).toBe(10_000);
    expect(times.at(-1)).toEqual(retryUntil); // one last try at the deadline
    // 9 doubling delays (10 s .. 42.7 min, 5,110 s in all), 22 hourly ones, one at the deadline: 33 attempts in 24 h
    expect(times).toHaveLength(32);
    expect(attempts).toBe(33);
    for (let i = 1; i < times.length; i++) expect(times[i].getTime()).toBeGreaterThan(times[i - 1].getTime());
  });

  it('gives up at once past the deadline', () => {
    expect(nextWebhookAttempt(1, new Date(Date.now() - 1), policy)).toBeUndefined();
  });
});
