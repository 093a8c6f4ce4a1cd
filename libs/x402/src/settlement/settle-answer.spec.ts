import { describe, expect, it } from '@jest/globals';
import type { PaymentPayload, PaymentRequirements, SettleResponse } from '@x402/core/types';
import { buyerFacingSettlement, expectedSettlement, settleAnswerMismatches } from './settle-answer.js';

const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const TX = `0x${'ab'.repeat(32)}`;
const REQUIREMENTS = { scheme: 'exact', network: 'eip155:84532', amount: '10000', asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', maxTimeoutSeconds: 60, extra: {} } as PaymentRequirements;
const PAYLOAD = { x402Version: 2, accepted: REQUIREMENTS, payload: { signature: '0x', authorization: { from: PAYER } } } as unknown as PaymentPayload;
const good = (patch: Partial<SettleResponse> = {}): SettleResponse => ({ success: true, transaction: TX, network: 'eip155:84532', payer: PAYER, ...patch }) as SettleResponse;

describe('settle answers', () => {
  const expected = expectedSettlement(PAYLOAD, REQUIREMENTS);

  it('expects the requirement (v2), the v1 form with its CAIP-2 chain, a permit2 payer and a usage-priced amount', () => {
    expect(expected).toMatchObject({ network: 'eip155:84532', chain: 'eip155:84532', payer: PAYER.toLowerCase(), amount: '10000' });
    const v1 = { scheme: 'exact', network: 'base-sepolia', maxAmountRequired: '10000', asset: REQUIREMENTS.asset, payTo: REQUIREMENTS.payTo } as unknown as PaymentRequirements;
    expect(expectedSettlement(PAYLOAD, v1)).toMatchObject({ network: 'base-sepolia', chain: 'eip155:84532', amount: '10000' });
    const permit2 = { ...PAYLOAD, payload: { permit2Authorization: { from: PAYER } } } as unknown as PaymentPayload;
    expect(expectedSettlement(permit2, REQUIREMENTS, { amount: '3000' })).toMatchObject({ payer: PAYER.toLowerCase(), amount: '3000' });
  });

  it('accepts an answer that fits (payer in any case or absent, amount absent or equal)', () => {
    expect(settleAnswerMismatches(good({ payer: PAYER.toLowerCase() }), expected)).toEqual([]);
    expect(settleAnswerMismatches(good({ amount: '10000' }), expected)).toEqual([]);
    expect(settleAnswerMismatches(good({ payer: undefined }), expected)).toEqual([]);
  });

  it.each([
    ['network', good({ network: 'eip155:1' })],
    ['payer', good({ payer: `0x${'11'.repeat(20)}` })],
    ['amount', good({ amount: '1' })],
    ['transaction', good({ transaction: 'ok' })],
    ['transaction', good({ transaction: `${TX}\nforged` })],
  ] as const)('names what does not fit: %s', (field, answer) => {
    const wrong = settleAnswerMismatches(answer, expected);
    expect(wrong).toHaveLength(1);
    expect(wrong[0]).toMatch(new RegExp(`^${field} `));
    expect(wrong[0]).not.toContain('\n');
  });

  it('shows the payer only the checked fields', () => {
    const answer = { ...good(), extra: { junk: 'x'.repeat(10_000) }, extensions: { big: 'y'.repeat(5000) }, errorMessage: 'z' } as SettleResponse;
    expect(buyerFacingSettlement(answer, expected)).toEqual({ success: true, transaction: TX, network: 'eip155:84532', payer: PAYER });
    expect(buyerFacingSettlement(good({ extensions: { receipt: { ok: true } } }), expected)).toHaveProperty('extensions', { receipt: { ok: true } });
  });
});
