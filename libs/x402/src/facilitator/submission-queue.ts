/**
 * Runs submissions of one signer strictly one after another, so each transaction gets the next
 * nonce. Receipt waits happen outside the queue and stay concurrent.
 */
export class SubmissionQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Next nonce of the signer as this process knows it; unknown until read from the chain. */
  nextNonce?: number;

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

const queues = new Map<string, SubmissionQueue>();

/** The one queue (and nonce) of a signer address on a chain, shared by every facilitator client in this process. */
export function submissionQueueFor(address: string, chainId: number): SubmissionQueue {
  const key = `${chainId}:${address.toLowerCase()}`;
  let queue = queues.get(key);
  if (!queue) {
    queue = new SubmissionQueue();
    queues.set(key, queue);
  }
  return queue;
}
