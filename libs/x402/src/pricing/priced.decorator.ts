import { applyDecorators, SetMetadata, UseGuards, UseInterceptors } from '@nestjs/common';
import { X402Guard } from '../http/x402.guard.js';
import { X402Interceptor } from '../http/x402.interceptor.js';
import type { UpToPrice } from '../upto/upto-price.js';
import type { PriceInput } from './price.js';

export const X402_PRICE_METADATA = 'x402:price';

/** Options of {@link Priced}. */
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
}

/** What {@link Priced} and {@link Free} store on a handler or controller. */
export type PriceMetadata = { free: true } | { free?: false; price: PriceInput | UpToPrice; options: PricedOptions };

/**
 * Charges for a route (or every route of a controller; a method's own decorator wins).
 * The price is a USD amount paid in each accepted network's USD token, an atomic
 * `{ amount, asset }`, a function of the request (sync or async) for dynamic pricing, or a
 * usage price `{ upTo }`: the payer authorizes that maximum and the handler charges what the call
 * cost through `@X402Usage() usage: UsageMeter` (x402 `upto` scheme).
 *
 * @example
 * @Get('forecast')
 * @Priced('0.01', { description: 'Seven-day forecast' })
 * forecast() { ... }
 *
 * @Post('summarize')
 * @Priced({ upTo: '0.10' })
 * summarize(@Body() text: string, @X402Usage() usage: UsageMeter) { usage.charge('0.03'); ... }
 */
export function Priced(price: PriceInput | UpToPrice, options: PricedOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata<string, PriceMetadata>(X402_PRICE_METADATA, { price, options }),
    UseGuards(X402Guard),
    UseInterceptors(X402Interceptor),
  );
}

/**
 * Exempts one handler of a priced controller from payment.
 *
 * @example
 * @Priced('0.05') @Controller('reports')
 * class ReportsController { @Get('catalog') @Free() catalog() { ... } }
 */
export function Free(): MethodDecorator & ClassDecorator {
  return SetMetadata<string, PriceMetadata>(X402_PRICE_METADATA, { free: true });
}
