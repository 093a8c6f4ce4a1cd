import type { AbstractHttpAdapter } from '@nestjs/core';
import { applyPaidCacheHeaders } from './cache-headers.js';

/** The part of an HTTP adapter the helper uses, over a plain header map. */
function adapter(headers: Record<string, string>, sent = false): AbstractHttpAdapter {
  return {
    isHeadersSent: () => sent,
    getHeader: (_response: unknown, name: string) => headers[name.toLowerCase()],
    setHeader: (_response: unknown, name: string, value: string) => (headers[name.toLowerCase()] = value),
  } as unknown as AbstractHttpAdapter;
}

describe('applyPaidCacheHeaders', () => {
  it('adds the payment headers to Vary, keeping what is listed (CORS Origin) and listing nothing twice', () => {
    const headers: Record<string, string> = { vary: 'Origin, payment-signature', 'cache-control': 'public, max-age=60' };
    applyPaidCacheHeaders(adapter(headers), {});
    expect(headers).toEqual({ vary: 'Origin, payment-signature, X-PAYMENT, X-PAYMENT-PROOF, Paywalled-Proof, SIGN-IN-WITH-X', 'cache-control': 'private, no-store' });
    applyPaidCacheHeaders(adapter(headers), {});
    expect(headers.vary).toBe('Origin, payment-signature, X-PAYMENT, X-PAYMENT-PROOF, Paywalled-Proof, SIGN-IN-WITH-X');
  });

  it('leaves Vary: * alone and touches nothing once the headers are sent', () => {
    const star: Record<string, string> = { vary: '*' };
    applyPaidCacheHeaders(adapter(star), {});
    expect(star).toEqual({ vary: '*', 'cache-control': 'private, no-store' });
    const sent: Record<string, string> = {};
    applyPaidCacheHeaders(adapter(sent, true), {});
    expect(sent).toEqual({});
  });
});
