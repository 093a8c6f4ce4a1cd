import type { StaticPrice } from '../pricing/price.js';

/**
 * A usage-based price: the payer authorizes at most `upTo` (a USD amount, or atomic units of a
 * token), the handler says what the call really cost (`@X402Usage() usage` then `usage.charge(...)`),
 * and only that is settled (the x402 `upto` scheme, Permit2).
 *
 * @example
 * @Priced({ upTo: '0.10' })
 */
export interface UpToPrice {
  upTo: StaticPrice;
}

/**
 * Whether a `@Priced` price is usage-based.
 *
 * @example
 * isUpToPrice({ upTo: '0.10' }) // true
 */
export function isUpToPrice(price: unknown): price is UpToPrice {
  return typeof price === 'object' && price !== null && 'upTo' in price;
}
