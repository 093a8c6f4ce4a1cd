import { resolveX402Config } from '../config/x402.config.js';
import { InMemoryPaymentStore } from '../ledger/in-memory-payment.store.js';
import { quotePrice } from '../pricing/price.js';
import type { RouteOffer, RoutePlan } from '../pricing/route-pricing.service.js';
import { encodePaymentProof } from './payment-proof.codec.js';
import type { TransactionInspection } from './transfer-reader.js';
import { TxProofService } from './tx-proof.service.js';

const NETWORK = 'eip155:8453';
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const URL = 'https://api.example.com/x';
const HASH = `0x${'12'.repeat(32)}` as const;

const config = resolveX402Config({
  networks: [NETWORK],
  payTo: PAY_TO,
  facilitator: { type: 'remote', url: 'https://f.example.com' },
  settlement: { rpcUrls: { [NETWORK]: 'http://127.0.0.1:1' } },
  proofs: { confirmations: { [NETWORK]: 2 }, ttlSeconds: 60 },
});
const plan: RoutePlan = { route: 'GET /x', options: {}, payTo: config.payTo, maxTimeoutSeconds: 60, quotes: quotePrice('0.01', config.accepted), txProof: { confirmations: { [NETWORK]: 2 }, ttlSeconds: 60 } };
const offer = { quotes: plan.quotes!, requirements: [], challenge: { x402Version: 2, resource: { url: '' }, accepts: [] } } as unknown as RouteOffer;

/** A service over an in-memory ledger and a scripted chain. */
function setup() {
  const payments = new InMemoryPaymentStore();
  const service = new TxProofService(config, payments.proofStore());
  const chain = { head: 100n, inspection: { status: 'not_found' } as TransactionInspection };
  Object.assign(service.reader, { cachedHead: async () => chain.head, inspect: async () => chain.inspection });
  const minedAt = (blockNumber: bigint, head: bigint): TransactionInspection => ({
    status: 'mined',
    blockNumber,
    head,
    signedTransfer: false,
    transfers: [{ token: USDC, from: PAYER, to: PAY_TO, value: 10_000n }],
  });
  const quote = async () => {
    const quoted = await service.quote(plan, offer, URL);
    return quoted.challenge.accepts[quoted.challenge.accepts.length - 1];
  };
  const present = (reference: string, transaction: `0x${string}` = HASH) => service.check(encodePaymentProof({ network: NETWORK, transaction, reference }), plan, URL);
  return { payments, service, chain, minedAt, quote, present };
}

describe('TxProofService', () => {
  it('quotes a tx-hash entry after the signed ones, with a fresh reference bound to the chain head', async () => {
    const { service, quote } = setup();
    const entry = await quote();
    expect(entry).toMatchObject({ scheme: 'tx-hash', network: NETWORK, amount: '10000', asset: USDC, payTo: PAY_TO, maxTimeoutSeconds: 60, extra: { confirmations: 2 } });
    expect((await service.status(entry.extra.reference as string))?.state).toBe('open');
    expect((await quote()).extra.reference).not.toBe(entry.extra.reference);
  });

  it('leaves the entries out (signed payments still work) when the chain head cannot be read', async () => {
    const { service } = setup();
    Object.assign(service.reader, { cachedHead: async () => Promise.reject(new Error('down')) });
    expect((await service.quote(plan, offer, URL)).challenge.accepts).toEqual([]);
  });

  it('binds, waits for the confirmations, grants once, records the receipt once', async () => {
    const { payments, service, chain, minedAt, quote, present } = setup();
    const { reference } = (await quote()).extra as { reference: string };
    chain.inspection = minedAt(101n, 101n);
    expect(await present(reference)).toMatchObject({ granted: false, status: 402, code: 'payment_pending', retryAfter: 2, proof: { confirmations: 1, requiredConfirmations: 2 } });
    chain.inspection = minedAt(101n, 102n);
    const granted = await present(reference);
    expect(granted).toMatchObject({ granted: true, claim: { reference, transaction: HASH, payer: PAYER, transferred: '10000' } });
    expect(await present(reference)).toMatchObject({ granted: false, status: 409, code: 'payment_in_progress' });
    const receipt = await service.complete((granted as { claim: NonNullable<Extract<typeof granted, { granted: true }>['claim']> }).claim);
    expect(receipt).toMatchObject({ state: 'settled', scheme: 'tx-hash', amount: '10000', transaction: HASH, payer: PAYER, nonce: reference });
    expect(await present(reference)).toMatchObject({ granted: false, status: 409, code: 'payment_already_used' });
    expect((await payments.findReceipts({ state: 'settled' })).length).toBe(1);
  });

  it('releases a claim whose handler failed, so the payment can be presented again', async () => {
    const { service, chain, minedAt, quote, present } = setup();
    const { reference } = (await quote()).extra as { reference: string };
    chain.inspection = minedAt(101n, 110n);
    const first = await present(reference);
    if (!first.granted || !first.claim) throw new Error('expected a claim');
    await service.release(first.claim);
    expect(await present(reference)).toMatchObject({ granted: true });
  });

  it('refuses an expired reference, and a hash already bound to another one', async () => {
    const { chain, minedAt, quote, present } = setup();
    const first = (await quote()).extra.reference as string;
    const second = (await quote()).extra.reference as string;
    chain.inspection = minedAt(101n, 101n);
    expect(await present(first)).toMatchObject({ code: 'payment_pending' });
    expect(await present(second)).toMatchObject({ status: 409, code: 'payment_already_used' });
    expect(await present(first, `0x${'34'.repeat(32)}`)).toMatchObject({ status: 409, code: 'payment_reference_used' });
    const later = setup();
    const expired = (await later.quote()).extra.reference as string;
    const realNow = Date.now;
    Date.now = () => realNow() + 61_000;
    try {
      expect(await later.present(expired)).toMatchObject({ status: 402, code: 'payment_reference_expired' });
      expect((await later.service.status(expired))?.state).toBe('expired');
    } finally {
      Date.now = realNow;
    }
  });

  it('refuses a proof for another resource, and an unknown reference', async () => {
    const { service, quote } = setup();
    const { reference } = (await quote()).extra as { reference: string };
    const other = await service.check(encodePaymentProof({ network: NETWORK, transaction: HASH, reference }), plan, 'https://api.example.com/y');
    expect(other).toMatchObject({ status: 402, code: 'payment_reference_mismatch' });
    const unknown = await service.check(encodePaymentProof({ network: NETWORK, transaction: HASH, reference: 'f'.repeat(32) }), plan, URL);
    expect(unknown).toMatchObject({ status: 402, code: 'payment_reference_unknown' });
  });

  it('turns an unreachable RPC into a 503, not a refusal', async () => {
    const { service, quote, present } = setup();
    const { reference } = (await quote()).extra as { reference: string };
    Object.assign(service.reader, { inspect: async () => Promise.reject(new Error('ECONNREFUSED')) });
    await expect(present(reference)).rejects.toMatchObject({ code: 'facilitator_unavailable' });
  });
});
