import { findDefaultAsset } from '@x402/evm';
import type { Network, PaymentRequired, PaymentRequirements } from '@x402/core/types';
import type { PaymentRequiredV1, PaymentRequirementsV1 } from '@x402/core/types/v1';
import { decimalsFromExtra, parseAtomicAmount } from './money.js';

/** A 402 challenge as decoded from the wire: v2 (PAYMENT-REQUIRED header) or v1 (JSON body). */
export type AnyPaymentRequired = PaymentRequired | PaymentRequiredV1;

/**
 * One payment option ("accept") of a 402 challenge, normalised across protocol versions:
 * v1 calls the price `maxAmountRequired`, v2 calls it `amount`.
 */
export interface Offer {
  x402Version: number;
  scheme: string;
  network: string;
  /** Price in atomic units, as sent (may be malformed; see {@link offerAmount}). */
  amount: string;
  asset: string;
  payTo: string;
  maxTimeoutSeconds?: number;
  extra: Record<string, unknown>;
}

/** Normalises a v1 or v2 requirement into an {@link Offer}. */
export function toOffer(x402Version: number, requirement: PaymentRequirements | PaymentRequirementsV1): Offer {
  const raw = requirement as Partial<PaymentRequirements> & Partial<PaymentRequirementsV1>;
  const amount = x402Version === 1 ? (raw.maxAmountRequired ?? raw.amount) : (raw.amount ?? raw.maxAmountRequired);
  return {
    x402Version,
    scheme: String(raw.scheme ?? ''),
    network: String(raw.network ?? ''),
    amount: String(amount ?? ''),
    asset: String(raw.asset ?? ''),
    payTo: String(raw.payTo ?? ''),
    maxTimeoutSeconds: typeof raw.maxTimeoutSeconds === 'number' ? raw.maxTimeoutSeconds : undefined,
    extra: raw.extra && typeof raw.extra === 'object' ? raw.extra : {},
  };
}

/** All offers of a challenge. */
export function offersOf(paymentRequired: AnyPaymentRequired): Offer[] {
  const accepts = Array.isArray(paymentRequired.accepts) ? paymentRequired.accepts : [];
  return accepts.map((requirement) => toOffer(paymentRequired.x402Version, requirement));
}

/** The offer's price as a bigint, or undefined when it is not a plain atomic integer. */
export function offerAmount(offer: Offer): bigint | undefined {
  return parseAtomicAmount(offer.amount);
}

/**
 * Token decimals used to convert an offer's atomic amount into USD.
 *
 * A token the EVM scheme knows (e.g. USDC on Base) uses its known decimals, so a server cannot shrink the
 * apparent price by lying in `extra.decimals`; otherwise `extra.decimals`, else 6 (USDC-like).
 */
export function offerDecimals(offer: Offer): number {
  try {
    const known = findDefaultAsset(offer.asset, offer.network as Network);
    if (known && Number.isInteger(known.decimals)) return known.decimals;
  } catch {
    // unknown network naming: fall through to what the server says
  }
  return decimalsFromExtra(offer.extra);
}
