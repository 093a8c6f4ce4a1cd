import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { signX402Webhook, verifyX402Webhook } from './webhook-signature.js';

const secret = 'whsec_0123456789abcdef';
const body = '{"id":"evt_1","type":"payment.settled"}';
const t = 1_764_547_200;

describe('webhook signatures', () => {
  it('signs HMAC-SHA256 over `${timestamp}.${body}` as t=<unix>,v1=<hex>', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signX402Webhook(body, secret, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies what it signed, from a string or the raw bytes', () => {
    const header = signX402Webhook(body, secret, t);
    expect(verifyX402Webhook(body, header, secret, { now: t + 10 })).toEqual({ valid: true, timestamp: t });
    expect(verifyX402Webhook(Buffer.from(body), header, secret, { now: t })).toEqual({ valid: true, timestamp: t });
  });

  it('refuses a wrong secret, a changed body, a missing or malformed header', () => {
    const header = signX402Webhook(body, secret, t);
    expect(verifyX402Webhook(body, header, 'whsec_another-secret-00', { now: t })).toEqual({ valid: false, error: 'signature_mismatch' });
    expect(verifyX402Webhook(body.replace('settled', 'failed'), header, secret, { now: t })).toEqual({ valid: false, error: 'signature_mismatch' });
    expect(verifyX402Webhook(body, undefined, secret, { now: t })).toEqual({ valid: false, error: 'missing_signature' });
    for (const bad of ['garbage', `t=${t}`, 'v1=00', `t=abc,v1=${'0'.repeat(64)}`, `t=${t},v1=xyz`, `t=${t},t=${t},v1=${'0'.repeat(64)}`]) {
      expect(verifyX402Webhook(body, bad, secret, { now: t })).toEqual({ valid: false, error: 'malformed_signature' });
    }
  });

  it('refuses a timestamp older or newer than the tolerance (default 300 s)', () => {
    const header = signX402Webhook(body, secret, t);
    expect(verifyX402Webhook(body, header, secret, { now: t + 300 }).valid).toBe(true);
    expect(verifyX402Webhook(body, header, secret, { now: t + 301 })).toEqual({ valid: false, error: 'stale_timestamp' });
    expect(verifyX402Webhook(body, header, secret, { now: t - 301 })).toEqual({ valid: false, error: 'stale_timestamp' });
    expect(verifyX402Webhook(body, header, secret, { now: t + 1000, toleranceSeconds: 2000 }).valid).toBe(true);
  });

  it('accepts any matching v1 (rotation: signatures with the old and the new secret)', () => {
    const old = signX402Webhook(body, 'whsec_old-secret-0000000', t);
    const current = signX402Webhook(body, secret, t).split(',')[1];
    expect(verifyX402Webhook(body, `${old},${current}`, secret, { now: t }).valid).toBe(true);
  });
});
