import { Logger } from '@nestjs/common';
import { firstValueFrom, Subject } from 'rxjs';
import { privateKeyToAccount } from 'viem/accounts';
import { resolveX402Config } from '../config/x402.config.js';
import { InMemoryPaymentStore } from '../ledger/in-memory-payment.store.js';
import { quotePrice } from '../pricing/price.js';
import type { RouteOffer, RoutePlan } from '../pricing/route-pricing.service.js';
import { encodePaymentProof } from './payment-proof.codec.js';
import { settleProof } from './proof-settlement.js';
import type { TransactionInspection } from './transfer-reader.js';
import { TxProofService } from './tx-proof.service.js';

const NETWORK = 'eip155:8453';
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const URL = 'https://api.example.com/x';
const HASH = `0x${'12'.repeat(32)}` as const;

// a hold of 1 ms: any handler outlives it
const config = resolveX402Config({
  networks: [NETWORK],
  payTo: PAY_TO,
  facilitator: { type: 'remote', url: 'https://f.example.com' },
  settlement: { rpcUrls: { [NETWORK]: 'http://127.0.0.1:1' }, holdMs: 1 },
  proofs: { confirmations: { [NETWORK]: 1 }, ttlSeconds: 60 },
});
const plan: RoutePlan = { route: 'GET /x', options: {}, payTo: config.payTo, maxTimeoutSeconds: 60, quotes: quotePrice('0.01', config.accepted), txProof: { confirmations: { [NETWORK]: 1 }, ttlSeconds: 60 } };
const offer = { quotes: plan.quotes!, requirements: [], challenge: { x402Version: 2, resource: { url: '' }, accepts: [] } } as unknown as RouteOffer;
const inspection: TransactionInspection = {
  status: 'mined',
  blockNumber: 101n,
  head: 101n,
  signedTransfer: false,
  sender: PAYER,
  target: USDC,
  transfers: [{ token: USDC, from: PAYER, to: PAY_TO, value: 10_000n }],
};

/** Runs `settleProof` with a handler that finishes when told; resolves to the response's outcome. */
function serve(service: TxProofService, claim: Parameters<typeof settleProof>[1]) {
  const handler = new Subject<unknown>();
  const headers: Record<string, string> = {};
  const outcome = firstValueFrom(settleProof(service, claim, handler, 200, { setHeader: (name, value) => (headers[name] = value), settled: () => undefined, logger: new Logger('test') })).then(
    (body) => ({ served: true as const, body, headers }),
    (error: { status?: number; code?: string }) => ({ served: false as const, status: error.status, code: error.code }),
  );
  return { finish: (body: unknown) => (handler.next(body), handler.complete()), outcome };
}

describe('settleProof: one payment, one response', () => {
  it('does not serve a request whose hold expired and was taken over while its handler ran', async () => {
    const payments = new InMemoryPaymentStore();
    const service = new TxProofService(config, payments.proofStore());
    Object.assign(service.reader, { cachedHead: async () => 100n, inspect: async () => inspection });
    const quoted = await service.quote(plan, offer, URL);
    const { reference } = quoted.challenge.accepts[quoted.challenge.accepts.length - 1].extra as { reference: string };
    const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'); // PAYER's key (anvil's second account)
    const signature = await account.signMessage({ message: reference });
    const proof = Buffer.from(JSON.stringify({ network: NETWORK, transaction: HASH, reference, signature })).toString('base64');
    const present = () => service.check(proof, plan, offer, URL);

    const first = await present();
    if (!first.granted || !first.claim) throw new Error(`expected a claim, got ${JSON.stringify(first)}`);
    const slow = serve(service, first.claim);
    // the hold of the first request runs out while its handler is still busy: another request takes the payment over
    const deadline = Date.now() + 5_000;
    let second = await present();
    while (!(second.granted && second.claim) && Date.now() < deadline) second = await present();
    if (!second.granted || !second.claim) throw new Error(`expected a takeover, got ${JSON.stringify(second)}`);
    const fast = serve(service, second.claim);
    fast.finish({ n: 2 });
    slow.finish({ n: 1 });
    const outcomes = await Promise.all([slow.outcome, fast.outcome]);
    expect(outcomes.filter((o) => o.served)).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ served: false, status: 409, code: 'payment_claim_lost' });
    expect((await payments.findReceipts({ state: 'settled' })).length).toBe(1);
  });
});
