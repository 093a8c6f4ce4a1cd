import { describe, expect, it } from '@jest/globals';
import { SubmissionQueue } from './submission-queue.js';

describe('SubmissionQueue', () => {
  it('runs tasks one after another and says whether another waits behind the running one', async () => {
    const queue = new SubmissionQueue();
    const seen: boolean[] = [];
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => queue.run(async () => (seen.push(queue.busy), order.push(n)))));
    expect(order).toEqual([1, 2, 3]);
    expect(seen).toEqual([true, true, false]);
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
