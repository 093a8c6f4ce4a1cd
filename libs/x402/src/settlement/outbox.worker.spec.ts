import type { X402Config } from '../config/x402.config.js';
import type { PaymentRecord, SettlementOutbox } from '../ledger/payment-store.interface.js';
import { X402OutboxWorker } from './outbox.worker.js';
import type { X402SettlementService } from './settlement.service.js';

describe('X402OutboxWorker.drain', () => {
  it('takes the next batch while one settles, at most two at once, and returns once all are settled', async () => {
    let due = 5; // batches waiting in the outbox
    const store = { takeDue: async () => (due-- > 0 ? [{ id: String(due) } as PaymentRecord] : []) } as unknown as SettlementOutbox;
    let settling = 0;
    let most = 0;
    const finished: string[] = [];
    const settlement = {
      settleTakenBatch: async (batch: PaymentRecord[]) => {
        most = Math.max(most, ++settling);
        await new Promise((resolve) => setTimeout(resolve, 5));
        settling--;
        finished.push(batch[0].id);
        return ['settled'];
      },
    } as unknown as X402SettlementService;
    const config = { settlement: { holdMs: 60_000, deferred: { batchSize: 25, pollIntervalMs: 1000 } } } as unknown as X402Config;
    const worker = new X402OutboxWorker(store, config, settlement);
    expect(await worker.drain()).toBe(5);
    expect(finished).toHaveLength(5); // every batch settled before drain returned
    expect(most).toBe(2); // before: one batch at a time
  });
});

describe('X402OutboxWorker polling', () => {
  /** An outbox the test queues into, and the batches the worker took from it. */
  function outbox(batchWindowMs: number) {
    const queue: PaymentRecord[] = [];
    const taken: string[][] = [];
    const store = { takeDue: async (n: number) => queue.splice(0, n) } as unknown as SettlementOutbox;
    const settlement = {
      settleTakenBatch: async (batch: PaymentRecord[]) => (taken.push(batch.map((r) => r.id)), batch.map(() => 'settled')),
      held: { reconcile: async () => 0 },
    } as unknown as X402SettlementService;
    const config = { settlement: { holdMs: 60_000, reconcileIntervalMs: 0, deferred: { batchSize: 25, pollIntervalMs: 1000, batchWindowMs } } } as unknown as X402Config;
    const worker = new X402OutboxWorker(store, config, settlement);
    const queued = (id: string) => (queue.push({ id } as PaymentRecord), worker.notify());
    return { worker, taken, queued };
  }
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('takes the first payment at once, then gathers those queued one by one within the window into one batch', async () => {
    const { worker, taken, queued } = outbox(150);
    worker.start();
    try {
      await sleep(20);
      queued('a');
      await sleep(20);
      expect(taken).toEqual([['a']]); // the first after a quiet spell: at once
      for (const id of ['b', 'c', 'd', 'e']) {
        queued(id);
        await sleep(10);
      }
      await sleep(200);
      // before: each payment taken as it was queued, one transaction each
      expect(taken).toEqual([['a'], ['b', 'c', 'd', 'e']]);
    } finally {
      await worker.stop();
    }
  });

  it('with a window of 0 takes each payment as it is queued, and stop() does not wait out a window', async () => {
    const { worker, taken, queued } = outbox(0);
    worker.start();
    await sleep(20);
    for (const id of ['a', 'b']) {
      queued(id);
      await sleep(20);
    }
    expect(taken).toEqual([['a'], ['b']]);
    await worker.stop();
    const slow = outbox(60_000);
    slow.worker.start();
    await sleep(20);
    slow.queued('a');
    await sleep(20);
    const started = Date.now();
    await slow.worker.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

