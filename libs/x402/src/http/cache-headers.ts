import type { AbstractHttpAdapter } from '@nestjs/core';

/**
 * `Cache-Control` of every answer of a priced route (402, paid response, replay, refusal): a paid
 * response belongs to its payer, and a shared cache that kept it would serve it unpaid.
 *
 * @example
 * expect(res.headers['cache-control']).toBe(PAID_CACHE_CONTROL);
 */
export const PAID_CACHE_CONTROL = 'private, no-store';

/**
 * The request headers a priced route's answer depends on: a cache must never reuse it across them.
 *
 * @example
 * res.headers.vary // 'PAYMENT-SIGNATURE, X-PAYMENT, X-PAYMENT-PROOF, Paywalled-Proof, SIGN-IN-WITH-X'
 */
export const PAYMENT_VARY_HEADERS = ['PAYMENT-SIGNATURE', 'X-PAYMENT', 'X-PAYMENT-PROOF', 'Paywalled-Proof', 'SIGN-IN-WITH-X'] as const;

const MARK = Symbol('x402.priced');

/** Marks a request as one for a priced route (its answer gets {@link applyPaidCacheHeaders} again after the handler). */
export function markPriced(request: unknown): void {
  (request as Record<symbol, boolean>)[MARK] = true;
}

export function isPriced(request: unknown): boolean {
  return (request as Record<symbol, boolean> | undefined)?.[MARK] === true;
}

/**
 * Sets `Cache-Control: private, no-store` and adds the payment headers to `Vary`, keeping what
 * `Vary` already lists (CORS adds `Origin`).
 *
 * @example
 * applyPaidCacheHeaders(adapterHost.httpAdapter, response);
 * // Cache-Control: private, no-store
 * // Vary: Origin, PAYMENT-SIGNATURE, X-PAYMENT, X-PAYMENT-PROOF, Paywalled-Proof, SIGN-IN-WITH-X
 */
export function applyPaidCacheHeaders(adapter: AbstractHttpAdapter, response: unknown): void {
  if (adapter.isHeadersSent(response)) return;
  adapter.setHeader(response, 'Cache-Control', PAID_CACHE_CONTROL);
  const current = adapter.getHeader(response, 'Vary');
  const listed = (Array.isArray(current) ? current.join(',') : typeof current === 'string' ? current : '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (listed.includes('*')) return;
  const known = new Set(listed.map((name) => name.toLowerCase()));
  const vary = [...listed, ...PAYMENT_VARY_HEADERS.filter((name) => !known.has(name.toLowerCase()))];
  adapter.setHeader(response, 'Vary', vary.join(', '));
}
