import type { PaymentRequirements } from '@x402/core/types';
import type { X402Config } from '../../config/x402.config.js';
import type { X402Events } from '../../events/x402.events.js';
import type { PaymentClaims } from '../../ledger/payment-store.interface.js';
import type { RouteOffer, RoutePlan } from '../../pricing/route-plan.types.js';
import type { X402SettlementService } from '../../settlement/settlement.service.js';
import type { X402ResourceServerHost } from '../../x402.resource-server.js';
import type { PaymentAttempt } from '../payment-method.js';
import type { PaymentClaimer } from './payment-claimer.js';
import { SignedPaymentMethod } from './signed-payment.method.js';
import type { SignedPaymentLeases } from './signed-payment.lease.js';

const payer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const requirements = {
  scheme: 'exact',
  network: 'eip155:8453',
  amount: '10000',
  asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
  payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  maxTimeoutSeconds: 300,
  extra: { name: 'USD Coin', version: '2' },
} as PaymentRequirements;
const authorization = { from: payer, to: requirements.payTo, value: '10000', validAfter: '0', validBefore: '9999999999', nonce: `0x${'ab'.repeat(32)}` };
const header = Buffer.from(JSON.stringify({ x402Version: 2, accepted: requirements, payload: { signature: `0x${'11'.repeat(65)}`, authorization } })).toString('base64');

/** The method with its signature check and requirement match answered (what is tested is the order of the rest). */
class Signed extends SignedPaymentMethod {
  protected override async isPayerSignature(): Promise<boolean> {
    return true;
  }
  protected override async matchRequirements(): Promise<PaymentRequirements> {
    return requirements;
  }
}

describe('SignedPaymentMethod.admit', () => {
  it('starts the facilitator\'s chain reads for the payment before the claim is written, and verifies after it', async () => {
    const steps: string[] = [];
    const host = {
      prefetch: () => steps.push('prefetch'),
      ready: async () => ({ verifyPayment: async () => (steps.push('verify'), { isValid: true, payer }) }),
    } as unknown as X402ResourceServerHost;
    const config = { maxPaymentHeaderBytes: 16_384, idempotency: { required: false } } as unknown as X402Config;
    const settlement = { modeFor: async () => 'authorization' } as unknown as X402SettlementService;
    const claimer = { claim: async () => (steps.push('claim'), { record: { id: 'r1' }, payer, verified: false }) } as unknown as PaymentClaimer;
    const leases = { lease: () => ({}) } as unknown as SignedPaymentLeases;
    const events = { emit: () => undefined } as unknown as X402Events;
    const method = new Signed(host, config, {} as PaymentClaims, settlement, events, claimer, leases);
    const attempt = {
      request: { headers: { 'payment-signature': header } },
      plan: { route: 'GET /paid' } as RoutePlan,
      offer: { quotes: [], requirements: [requirements] } as unknown as RouteOffer,
      resourceUrl: 'http://localhost/paid',
    } as unknown as PaymentAttempt;
    expect((await method.admit(attempt)).admitted).toBe(true);
    // before: claim, then the verify's chain reads of a new payer (code, balance) one round trip after the write
    expect(steps).toEqual(['prefetch', 'claim', 'verify']);
  });
});
