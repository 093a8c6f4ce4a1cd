import type { UpToPrice } from '../upto/upto-price.js';
import type { PriceInput } from './price.js';

/** Metadata key under which `@Priced` and `@Free` store a {@link PriceMetadata}. */
export const X402_PRICE_METADATA = 'x402:price';

/** Options of `@Priced`. */
export interface PricedOptions {
  /** What the payer buys; shown in the 402 `resource.description`. */
  description?: string;
  /** Media type of the paid response, e.g. `application/json`. */
  mimeType?: string;
  /** Recipient for this route instead of the module's `payTo`. */
  payTo?: string;
  /** Validity window of a payment for this route (seconds). */
  maxTimeoutSeconds?: number;
  /**
   * Paid session: after paying, the payer may come back for this window (`'30m'`, `'1h'`, `'7d'`
   * or seconds) by signing in with the `sign-in-with-x` extension instead of paying again.
   */
  access?: string | number;
  /** When money moves for this route (default: the module's `settlement.mode`). A usage price (`{ upTo }`) always settles after the handler. */
  settlement?: 'authorization' | 'upfront' | 'deferred';
  /**
   * Also accept a plain on-chain transfer proven by its transaction hash: each 402 gets a `tx-hash`
   * entry (after the signed ones) with a payment reference; the payer sends the token and retries with
   * `X-PAYMENT-PROOF`. Offered on the networks with a JSON-RPC URL (`settlement.rpcUrls` or the local
   * facilitator's; none: off, with a warning at boot); confirmations per network in the module option
   * `proofs`. Not with a usage price.
   */
  txProof?: boolean;
  /**
   * Lowest USD amount a price function may return (`'0.001'`). Published as `price.min` of the
   * route's `x-payment-info`, so agents can budget before calling; a price below it is refused (500).
   * Only with a price function.
   */
  min?: string;
  /** Highest USD amount a price function may return (`'0.009'`): published as `price.max` and enforced like {@link PricedOptions.min}. */
  max?: string;
}

/** What `@Priced` and `@Free` store on a handler or controller. */
export type PriceMetadata = { free: true } | { free?: false; price: PriceInput | UpToPrice; options: PricedOptions };
