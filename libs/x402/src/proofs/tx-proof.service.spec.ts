import { jest } from '@jest/globals';
import { resolveX402Config } from '../config/x402.config.js';
import { InMemoryPaymentStore } from '../ledger/in-memory-payment.store.js';
import { quotePrice } from '../pricing/price.js';
import type { RouteOffer, RoutePlan } from '../pricing/route-pricing.service.js';
import { TransactionReceiptNotFoundError } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { encodePaymentProof } from './payment-proof.codec.js';
import type { TransactionInspection } from './transfer-reader.js';
import { TxProofService } from './tx-proof.service.js';

const NETWORK = 'eip155:8453';
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const URL = 'https://api.example.com/x';
const HASH = `0x${'12'.repeat(32)}` as const;
// the key of PAYER (anvil's second account)
const payer = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');

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
    sender: PAYER,
    target: USDC,
    transfers: [{ token: USDC, from: PAYER, to: PAY_TO, value: 10_000n }],
  });
  const quote = async () => {
    const quoted = await service.quote(plan, offer, URL);
    return quoted.challenge.accepts[quoted.challenge.accepts.length - 1];
  };
  const inspections = { count: 0 };
  Object.assign(service.reader, { inspect: async () => (inspections.count++, chain.inspection) });
  const present = async (reference: string, transaction: `0x${string}` = HASH, extra: { access?: string; url?: string; unsigned?: boolean } = {}) => {
    const signature = extra.unsigned ? undefined : await payer.signMessage({ message: reference });
    return service.check(encodePaymentProof({ network: NETWORK, transaction, reference, signature, access: extra.access }), plan, offer, extra.url ?? URL);
  };
  return { payments, service, chain, minedAt, quote, present, inspections };
}

describe('TxProofService', () => {
  it('quotes a tx-hash entry after the signed ones, with a fresh reference bound to the chain head', async () => {
    const { service, quote } = setup();
    const entry = await quote();
    expect(entry).toMatchObject({ scheme: 'tx-hash', network: NETWORK, amount: '10000', asset: USDC, payTo: PAY_TO, maxTimeoutSeconds: 60, extra: { confirmations: 2 } });
    expect(await service.status(entry.extra.reference as string)).toMatchObject({ state: 'open', network: NETWORK, amount: '10000', requiredConfirmations: 2 });
    expect((await quote()).extra.reference).not.toBe(entry.extra.reference);
  });

  it('leaves the entries out (signed payments still work) when the chain head cannot be read', async () => {
    const { service } = setup();
    Object.assign(service.reader, { cachedHead: async () => Promise.reject(new Error('down')) });
    expect((await service.quote(plan, offer, URL)).challenge.accepts).toEqual([]);
  });

  it('stores nothing for a quote; a forged or altered reference is refused before any read', async () => {
    const { payments, service, quote, present, inspections } = setup();
    const store = payments.proofStore();
    const reference = (await quote()).extra.reference as string;
    expect(await store.findReference(reference)).toBeUndefined();
    const find = jest.spyOn(store, 'findReference');
    Object.assign(service, { store });
    const altered = [
      `${reference[0] === 'a' ? 'b' : 'a'}${reference.slice(1)}`,
      reference.replace(/\.(\d+)\.([A-Za-z0-9_-]{22})$/, (_, amount, mac) => `.${Number(amount) - 1}.${mac}`), // a cheaper amount
    ];
    for (const forged of altered) expect(await present(forged)).toMatchObject({ granted: false, status: 402, code: 'payment_reference_invalid' });
    expect(await present(reference, HASH, { url: 'https://api.example.com/y' })).toMatchObject({ code: 'payment_reference_invalid' });
    expect(find).not.toHaveBeenCalled();
    expect(inspections.count).toBe(0);
  });

  it('asks the chain once about a hash it does not know, then answers from memory for a while', async () => {
    const payments = new InMemoryPaymentStore();
    const store = payments.proofStore();
    const service = new TxProofService(config, store);
    const receipts = { count: 0 };
    const client = {
      getTransactionReceipt: async ({ hash }: { hash: `0x${string}` }) => {
        receipts.count++;
        throw new TransactionReceiptNotFoundError({ hash });
      },
    };
    Object.assign(service.reader, { cachedHead: async () => 100n, rpc: { get: () => client, covers: () => true } });
    const find = jest.spyOn(store, 'findReference');
    const quoted = await service.quote(plan, offer, URL);
    const reference = quoted.challenge.accepts[quoted.challenge.accepts.length - 1].extra.reference as string;
    const proof = encodePaymentProof({ network: NETWORK, transaction: HASH, reference, signature: await payer.signMessage({ message: reference }) });
    for (let i = 0; i < 5; i++) expect(await service.check(proof, plan, offer, URL)).toMatchObject({ granted: false, status: 402, code: 'payment_pending', retryAfter: 2 });
    expect(receipts.count).toBe(1);
    expect(find).toHaveBeenCalledTimes(1);
  });

  it('binds, waits for the confirmations, grants once, records the receipt once', async () => {
    const { payments, service, chain, minedAt, quote, present } = setup();
    const { reference } = (await quote()).extra as { reference: string };
    chain.inspection = minedAt(101n, 101n);
    expect(await present(reference)).toMatchObject({ granted: false, status: 402, code: 'payment_pending', retryAfter: 2, proof: { confirmations: 1, requiredConfirmations: 2 } });
    chain.inspection = minedAt(101n, 102n);
    const granted = await present(reference);
    expect(granted).toMatchObject({ granted: true, claim: { reference, owner: expect.stringMatching(/^[0-9a-f]{32}$/), transaction: HASH, payer: PAYER, transferred: '10000' } });
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
      expect(later.inspections.count).toBe(0);
      expect((await later.service.status(expired))?.state).toBe('expired');
    } finally {
      Date.now = realNow;
    }
  });

  it("binds a transfer to a reference only with its sender's signature of that reference", async () => {
    const { service, chain, minedAt, quote, present } = setup();
    const { reference } = (await quote()).extra as { reference: string };
    chain.inspection = minedAt(101n, 110n);
    expect(await present(reference, HASH, { unsigned: true })).toMatchObject({ status: 402, code: 'payment_signature_required' });
    // someone who saw the transfer presents it with a reference of its own, signed by itself
    const stranger = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
    const theirs = (await quote()).extra.reference as string;
    const stolen = encodePaymentProof({ network: NETWORK, transaction: HASH, reference: theirs, signature: await stranger.signMessage({ message: theirs }) });
    expect(await service.check(stolen, plan, offer, URL)).toMatchObject({ status: 402, code: 'payment_signature_invalid' });
    // the payer's signature of another reference does not carry over
    const replayed = encodePaymentProof({ network: NETWORK, transaction: HASH, reference: theirs, signature: await payer.signMessage({ message: reference }) });
    expect(await service.check(replayed, plan, offer, URL)).toMatchObject({ status: 402, code: 'payment_signature_invalid' });
    expect(await present(reference)).toMatchObject({ granted: true });
  });

  it('reopens a used reference within the access window only with the access secret given to its payer', async () => {
    const { service, chain, minedAt } = setup();
    const windowed: RoutePlan = { ...plan, accessMs: 60_000 };
    const quoted = await service.quote(windowed, offer, URL);
    const reference = quoted.challenge.accepts[quoted.challenge.accepts.length - 1].extra.reference as string;
    chain.inspection = minedAt(101n, 110n);
    const check = async (access?: string) => {
      const signature = await payer.signMessage({ message: reference });
      return service.check(encodePaymentProof({ network: NETWORK, transaction: HASH, reference, signature, access }), windowed, offer, URL);
    };
    const first = await check();
    if (!first.granted || !first.claim?.access) throw new Error(`expected a claim with an access secret, got ${JSON.stringify(first)}`);
    await service.complete(first.claim);
    expect(await check()).toMatchObject({ granted: false, status: 409, code: 'payment_already_used' });
    expect(await check('A'.repeat(32))).toMatchObject({ granted: false, status: 409, code: 'payment_already_used' });
    expect(await check(first.claim.access)).toEqual({ granted: true });
    const realNow = Date.now;
    Date.now = () => realNow() + 61_000;
    try {
      expect(await check(first.claim.access)).toMatchObject({ granted: false, status: 409, code: 'payment_already_used' });
    } finally {
      Date.now = realNow;
    }
  });

  it('turns an unreachable RPC into a 503, not a refusal', async () => {
    const { service, quote, present } = setup();
    const { reference } = (await quote()).extra as { reference: string };
    Object.assign(service.reader, { inspect: async () => Promise.reject(new Error('ECONNREFUSED')) });
    await expect(present(reference)).rejects.toMatchObject({ code: 'facilitator_unavailable' });
  });
});
