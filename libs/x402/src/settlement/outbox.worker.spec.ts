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
