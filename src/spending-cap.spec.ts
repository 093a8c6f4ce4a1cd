import type { PaymentRequired, PaymentRequirements } from '@x402/core/types';
import { SpendingCapError } from './errors.js';
import { parseUsd } from './money.js';
import { checkOffer, SpendingCapState, spendingCapGuard, spendingCapPolicy } from './spending-cap.js';
import { toOffer } from './offer.js';

const BASE_USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const LOCAL_TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

function requirement(amount: string, extra: Record<string, unknown> = {}, overrides: Partial<PaymentRequirements> = {}): PaymentRequirements {
  return { scheme: 'exact', network: 'eip155:31337', asset: LOCAL_TOKEN, amount, payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', maxTimeoutSeconds: 60, extra, ...overrides };
}

describe('checkOffer', () => {
  const max = parseUsd('1.00');

  it('passes at and under the cap, refuses above it', () => {
    expect(checkOffer(toOffer(2, requirement('1000000')), max)).toEqual({ ok: true, amount: 1_000_000n, decimals: 6 });
    expect(checkOffer(toOffer(2, requirement('999999')), max).ok).toBe(true);
    const over = checkOffer(toOffer(2, requirement('1000001')), max);
    expect(over).toEqual({ ok: false, reason: expect.stringContaining('$1.000001') });
  });

  it('uses extra.decimals for unknown tokens', () => {
    expect(checkOffer(toOffer(2, requirement('1000000000000000000', { decimals: 18 })), max).ok).toBe(true);
    expect(checkOffer(toOffer(2, requirement('1000000000000000001', { decimals: 18 })), max).ok).toBe(false);
  });

  it('ignores a lying extra.decimals for a token it knows (USDC on Base has 6)', () => {
    const lie = requirement('5000000', { decimals: 18 }, { network: 'eip155:8453', asset: BASE_USDC });
    expect(checkOffer(toOffer(2, lie), max)).toEqual({ ok: false, reason: expect.stringContaining('$5.00') });
  });

  it('refuses a malformed amount', () => {
    expect(checkOffer(toOffer(2, requirement('0.5')), max)).toEqual({ ok: false, reason: expect.stringContaining('not an integer') });
  });

  it('reads the v1 price from maxAmountRequired', () => {
    const v1 = { ...requirement('0'), amount: undefined, maxAmountRequired: '2000000', network: 'base-sepolia' } as unknown as PaymentRequirements;
    expect(checkOffer(toOffer(1, v1), max).ok).toBe(false);
  });
});

describe('spendingCapPolicy', () => {
  it('keeps only affordable offers so a mixed offer can still be paid', () => {
    const state = new SpendingCapState();
    const cheap = requirement('10000');
    const kept = spendingCapPolicy(parseUsd('0.05'), state)(2, [requirement('90000'), cheap]);
    expect(kept).toEqual([cheap]);
    expect(state.refusal).toBeUndefined();
  });

  it('throws and records the refusal when nothing fits', () => {
    const state = new SpendingCapState();
    expect(() => spendingCapPolicy(parseUsd('0.05'), state)(2, [requirement('90000')])).toThrow(SpendingCapError);
    expect(state.refusal).toContain('above --max $0.05');
  });
});

describe('spendingCapGuard (onBeforePaymentCreation hook)', () => {
  const paymentRequired = (accepts: PaymentRequirements[]): PaymentRequired => ({ x402Version: 2, resource: { url: 'http://x' }, accepts });

  it('records the selected offer when it fits', async () => {
    const state = new SpendingCapState();
    const selected = requirement('10000');
    await expect(spendingCapGuard(parseUsd('1'), state)({ paymentRequired: paymentRequired([selected]), selectedRequirements: selected })).resolves.toBeUndefined();
    expect(state.selected).toMatchObject({ amount: '10000', asset: LOCAL_TOKEN, decimals: 6 });
  });

  it('aborts when the selected offer is above the cap', async () => {
    const state = new SpendingCapState();
    const selected = requirement('2000000');
    const result = await spendingCapGuard(parseUsd('1'), state)({ paymentRequired: paymentRequired([selected]), selectedRequirements: selected });
    expect(result).toEqual({ abort: true, reason: expect.stringContaining('refusing to pay') });
    expect(state.selected).toBeUndefined();
  });
});
