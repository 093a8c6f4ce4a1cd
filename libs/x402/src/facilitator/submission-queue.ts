/** A nonce lock held by a turn of the queue: how to let it go, and since when it is held. */
export interface HeldLock {
  release(): Promise<void>;
  since: number;
}

/**
 * Runs submissions of one signer strictly one after another, so each transaction gets the next
 * nonce. Receipt waits happen outside the queue and stay concurrent.
 */
export class SubmissionQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private kept?: HeldLock & { timer: NodeJS.Timeout };
  /** Next nonce of the signer as this process knows it; unknown until read from the chain. */
  nextNonce?: number;

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Keeps the running turn's nonce lock for the next turn (see {@link takeKeptLock}): back-to-back transactions
   * then take and let go of the lock once, not once each. Let go after `idleMs` if no turn takes it over.
   */
  keepLock(lock: HeldLock, idleMs: number): void {
    const timer = setTimeout(() => {
      if (this.kept?.timer !== timer) return;
      this.kept = undefined;
      lock.release().catch(() => undefined); // its connection goes back to the pool either way
    }, idleMs);
    timer.unref?.();
    this.kept = { ...lock, timer };
  }

  /** The lock the previous turn kept, now this turn's (undefined when none was kept). */
  takeKeptLock(): HeldLock | undefined {
    if (!this.kept) return undefined;
    const { timer, ...lock } = this.kept;
    clearTimeout(timer);
    this.kept = undefined;
    return lock;
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
