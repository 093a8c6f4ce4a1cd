import { jest } from '@jest/globals';
import type { FacilitatorClient } from '@x402/core/server';
import type { X402Config } from '../config/x402.config.js';
import { X402Events } from '../events/x402.events.js';
import { InMemoryPaymentStore } from '../ledger/in-memory-payment.store.js';
import type { PaymentClaim, PaymentRecord } from '../ledger/payment-store.interface.js';
import type { X402ResourceServerHost } from '../x402.resource-server.js';
import type { AuthorizationOnChain } from './chain-reader.js';
import { X402SettlementService } from './settlement.service.js';

const NETWORK = 'eip155:8453';
const TRANSACTION = `0x${'ab'.repeat(32)}`;

/** The claim of deferred payment number `n` of one payer. */
const deferredClaim = (n: number): PaymentClaim => ({
  key: `${NETWORK}:0xasset:0xpayer:${n}`,
  network: NETWORK,
  asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
  payer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  amount: '10000',
  scheme: 'exact',
  route: 'GET /paid',
  resourceUrl: 'http://localhost/paid',
  nonce: `0x${n.toString(16).padStart(64, '0')}`,
  mode: 'deferred',
});

/**
 * The outbox's reading of refusals that an earlier attempt of the same payment can cause: a deferred
 * payment resubmitted while its earlier attempt is still on its way is refused (`nonce_already_used`,
 * `transaction_failed`) when that earlier one lands. The chain decides, not the refusal.
 */
describe('X402SettlementService: a later attempt refused because an earlier one landed', () => {
  let store: InMemoryPaymentStore;
  let settlePayment: jest.Mock<(...args: unknown[]) => Promise<unknown>>;
  let onChain: jest.Mock<() => Promise<AuthorizationOnChain>>;
  let service: X402SettlementService;

  beforeEach(() => {
    store = new InMemoryPaymentStore();
    settlePayment = jest.fn();
    onChain = jest.fn();
    const host = { ready: async () => ({ settlePayment }) } as unknown as X402ResourceServerHost;
    const config = {
      settlement: { mode: 'deferred', rpcUrls: { [NETWORK]: 'http://127.0.0.1:9' }, holdMs: 60_000, deferred: { maxAttempts: 8, retryBaseMs: 500, marginSeconds: 30 } },
    } as unknown as X402Config;
    service = new X402SettlementService(host, store, config, {} as FacilitatorClient);
    Object.assign(service, {
      events: new X402Events(),
      chain: { covers: () => true, authorization: onChain, timestamp: async () => BigInt(Math.floor(Date.now() / 1000)) },
    });
  });

  /** A deferred payment taken by the outbox for its first attempt. */
  async function taken(): Promise<PaymentRecord> {
    const claim = await store.claim(deferredClaim(1));
    if (!claim.claimed) throw new Error('not claimed');
    await store.markQueued(claim.record.id, { payload: {}, requirements: {} }, new Date(Date.now() + 600_000));
    const [record] = await store.takeDue(1, 60_000);
    return record;
  }

  it.each(['invalid_exact_evm_nonce_already_used', 'invalid_exact_evm_transaction_failed'])('%s, and the Transfer to payTo is on chain: settled, not failed', async (reason) => {
    const record = await taken();
    settlePayment.mockResolvedValueOnce({ success: false, errorReason: reason, transaction: '', network: NETWORK });
    onChain.mockResolvedValueOnce({ used: true, paid: true, transaction: TRANSACTION });
    expect(await service.settleTaken(record)).toBe('settled');
    expect(await store.findById(record.id)).toMatchObject({ state: 'settled', transaction: TRANSACTION });
  });

  it('the nonce went another way (no Transfer to payTo): failed as authorization_used_without_payment', async () => {
    const record = await taken();
    settlePayment.mockResolvedValueOnce({ success: false, errorReason: 'invalid_exact_evm_nonce_already_used', transaction: '', network: NETWORK });
    onChain.mockResolvedValueOnce({ used: true, paid: false, transaction: TRANSACTION });
    expect(await service.settleTaken(record)).toBe('failed');
    expect(await store.findById(record.id)).toMatchObject({ state: 'failed', errorReason: 'authorization_used_without_payment' });
  });

  it('the chain cannot be read: held (pending), never failed', async () => {
    const record = await taken();
    settlePayment.mockResolvedValueOnce({ success: false, errorReason: 'invalid_exact_evm_nonce_already_used', transaction: '', network: NETWORK });
    onChain.mockRejectedValueOnce(new Error('RPC down'));
    expect(await service.settleTaken(record)).toBe('held');
    expect(await store.findById(record.id)).toMatchObject({ state: 'settling' });
  });

  it('the nonce is unused on a first attempt: the refusal stands', async () => {
    const record = await taken();
    settlePayment.mockResolvedValueOnce({ success: false, errorReason: 'invalid_exact_evm_transaction_failed', transaction: '', network: NETWORK });
    onChain.mockResolvedValueOnce({ used: false });
    expect(await service.settleTaken(record)).toBe('failed');
    expect(await store.findById(record.id)).toMatchObject({ state: 'failed', errorReason: 'invalid_exact_evm_transaction_failed' });
  });
});

describe('X402SettlementService: an outbox batch settled by one transaction', () => {
  it('is recorded with one write per transaction, not one per payment; a refused payment is not', async () => {
    const store = new InMemoryPaymentStore();
    const other = `0x${'cd'.repeat(32)}`;
    const answers = [TRANSACTION, TRANSACTION, other, TRANSACTION, undefined].map((transaction) =>
      transaction ? { success: true, transaction, network: NETWORK } : { success: false, errorReason: 'invalid_exact_evm_insufficient_balance', transaction: '', network: NETWORK },
    );
    const facilitator = { inProcess: true, settleBatch: jest.fn(async () => answers) } as unknown as FacilitatorClient;
    const config = {
      settlement: { mode: 'deferred', rpcUrls: {}, holdMs: 60_000, deferred: { maxAttempts: 8, retryBaseMs: 500, marginSeconds: 30 } },
    } as unknown as X402Config;
    const service = new X402SettlementService({} as X402ResourceServerHost, store, config, facilitator);
    Object.assign(service, { events: new X402Events() });
    for (let n = 1; n <= 5; n++) {
      const claim = await store.claim(deferredClaim(n));
      if (!claim.claimed) throw new Error('not claimed');
      await store.markQueued(claim.record.id, { payload: {}, requirements: {} }, new Date(Date.now() + 600_000));
    }
    const taken = (await store.takeDue(5, 60_000)).sort((a, b) => a.nonce.localeCompare(b.nonce));
    const batchWrites = jest.spyOn(store, 'markBatchSettled');
    const singleWrites = jest.spyOn(store, 'markSettled');
    expect(await service.settleTakenBatch(taken)).toEqual(['settled', 'settled', 'settled', 'settled', 'failed']);
    // before: five markSettled, one per payment
    expect(batchWrites.mock.calls).toEqual([
      [[taken[0].id, taken[1].id, taken[3].id], TRANSACTION],
      [[taken[2].id], other],
    ]);
    expect(singleWrites).not.toHaveBeenCalled();
    expect(await store.findById(taken[2].id)).toMatchObject({ state: 'settled', transaction: other });
    expect(await store.findById(taken[4].id)).toMatchObject({ state: 'failed', errorReason: 'invalid_exact_evm_insufficient_balance' });
  });
});
