import type { PaymentRequired, PaymentRequirements } from '@x402/core/types';
import type { SettlementMode } from '../x402.settlement-mode.js';
import type { DynamicPrice, Quote } from './price.js';
import type { PricedOptions } from './price-metadata.js';

/** Everything needed to charge for one route, computed once. */
export interface RoutePlan {
  /** `GET /weather/:city`: the route template, for receipts and logs. */
  route: string;
  options: PricedOptions;
  payTo: `0x${string}`;
  maxTimeoutSeconds: number;
  /** The price function of a dynamically priced route. */
  dynamic?: DynamicPrice;
  /** Bounds of a price function (`min`/`max` of `@Priced`), as USD amounts checked at startup. */
  bounds?: { min?: string; max?: string };
  /** Quotes of a statically priced route (validated at startup). */
  quotes?: Quote[];
  /** Built on first use once the facilitator is ready, then reused by every request. */
  offer?: Promise<RouteOffer>;
  /** Settlement mode chosen by the route; the module's default applies when unset. */
  settlement?: SettlementMode;
  /** Paid-session window in ms (`@Priced(..., { access })`): a payer signs in instead of paying again. */
  accessMs?: number;
  /** Extensions this route declares in its 402 (e.g. `bazaar` from `@Discoverable`), built once. */
  extensions?: Record<string, unknown>;
  /** `upto` for a usage price (`@Priced({ upTo })`): the payer signs a maximum, the handler's charge is settled. Default `exact`. */
  scheme?: 'exact' | 'upto';
  /** Transaction-hash proofs accepted too (`txProof: true`): confirmations per network they are offered on, and the quote lifetime. */
  txProof?: { confirmations: Record<string, number>; ttlSeconds: number };
}

/** The payment requirements of a request and the 402 challenge built from them (resource filled per request). */
export interface RouteOffer {
  quotes: Quote[];
  requirements: PaymentRequirements[];
  challenge: PaymentRequired;
}
