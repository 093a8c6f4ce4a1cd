import { describe, expect, it } from '@jest/globals';
import { SubmissionQueue } from './submission-queue.js';

describe('SubmissionQueue', () => {
  it('runs tasks one after another, a failed one not stopping the next', async () => {
    const queue = new SubmissionQueue();
    const order: string[] = [];
    const task = (n: number, fail = false) => async () => {
      order.push(`start ${n}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(`end ${n}`);
      if (fail) throw new Error(`task ${n}`);
    };
    const results = await Promise.allSettled([queue.run(task(1)), queue.run(task(2, true)), queue.run(task(3))]);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('hands a kept lock to the next turn, and lets it go when no turn takes it', async () => {
    const queue = new SubmissionQueue();
    let releases = 0;
    const lock = { release: async () => void releases++, since: 1 };
    queue.keepLock(lock, 20);
    const taken = queue.takeKeptLock();
    expect(taken?.since).toBe(1);
    expect(queue.takeKeptLock()).toBeUndefined(); // taken once
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(releases).toBe(0); // taken over: its new holder lets it go
    queue.keepLock(lock, 20);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(releases).toBe(1); // nobody came for it
    expect(queue.takeKeptLock()).toBeUndefined();
  });
});
