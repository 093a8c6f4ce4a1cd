import { AsyncLocalStorage } from 'node:async_hooks';

const recorded = new AsyncLocalStorage<Promise<boolean>>();

/**
 * Runs a settle call whose transaction may be prepared (checked, estimated, its nonce taken) at once but sent only
 * once `held` resolves `true`: the ledger has recorded the payment as settling. A facilitator that reads it
 * ({@link preparesWhileRecorded}) overlaps its chain round trips with that write, instead of starting after it;
 * if `held` resolves `false` or rejects, nothing is sent and the call rejects with {@link NotRecordedError}.
 *
 * @example
 * const held = store.markSettling(id, data);
 * const result = await settleOnceRecorded(held, () => facilitator.settle(payload, requirements));
 */
export function settleOnceRecorded<T>(held: Promise<boolean>, call: () => Promise<T>): Promise<T> {
  held.catch(() => undefined); // the caller answers a failed write; here it only means "do not send"
  return recorded.run(held, call);
}

/** The ledger write the settle call in progress must wait for before it sends, if any (see {@link settleOnceRecorded}). */
export function recordedGate(): Promise<boolean> | undefined {
  return recorded.getStore();
}

/** Whether the write `gate` stands for went through (a rejected one did not). */
export function wasRecorded(gate: Promise<boolean> | undefined): Promise<boolean> {
  return gate ? gate.then((held) => held === true, () => false) : Promise.resolve(true);
}

/** The payment was not recorded as settling (another request holds it, or the ledger failed): nothing was sent. */
export class NotRecordedError extends Error {
  override name = 'NotRecordedError';

  constructor() {
    super('the payment was not recorded as settling; nothing was sent');
  }
}
