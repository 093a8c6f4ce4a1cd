import type { BeforePaymentCreationHook, PaymentPolicy } from '@x402/core/client';
import type { PaymentRequirements } from '@x402/core/types';
import { SpendingCapError } from './errors.js';
import { exceedsCap, formatDecimalUsd, formatUsd, type DecimalAmount } from './money.js';
import { offerAmount, offerDecimals, toOffer, type Offer } from './offer.js';

/** Verdict of the spending cap on one offer. */
export type CapVerdict = { ok: true; amount: bigint; decimals: number } | { ok: false; reason: string };

/** Decides whether an offer fits under `max` USD (exact bigint arithmetic). */
export function checkOffer(offer: Offer, max: DecimalAmount): CapVerdict {
  const amount = offerAmount(offer);
  if (amount === undefined) {
    return { ok: false, reason: `the price "${offer.amount}" is not an integer amount of atomic units` };
  }
  const decimals = offerDecimals(offer);
  if (exceedsCap(amount, decimals, max)) {
    return {
      ok: false,
      reason: `the price ${formatUsd(amount, decimals)} (${amount} atomic units, ${decimals} decimals, asset ${offer.asset} on ${offer.network}) is above --max ${formatDecimalUsd(max)}`,
    };
  }
  return { ok: true, amount, decimals };
}

/** What the spending cap saw during one paid request; read by the pay command afterwards. */
export class SpendingCapState {
  /** Set when every offer was refused (or the selected one was): the reason shown to the user. */
  refusal?: string;
  /** The offer that passed the cap and is about to be signed. */
  selected?: Offer & { decimals: number };
}

/**
 * An x402Client policy that drops offers above the cap, so a server offering several prices can still be
 * paid through the affordable one. When nothing is left it records the refusal and throws, which makes
 * `createPaymentPayload` fail before any signature is produced.
 */
export function spendingCapPolicy(max: DecimalAmount, state: SpendingCapState): PaymentPolicy {
  return (x402Version, requirements) => {
    const verdicts = requirements.map((requirement) => ({
      requirement,
      verdict: checkOffer(toOffer(x402Version, requirement), max),
    }));
    const affordable = verdicts.filter(({ verdict }) => verdict.ok).map(({ requirement }) => requirement);
    if (affordable.length === 0) {
      const reasons = verdicts.map(({ verdict }) => (verdict.ok ? '' : verdict.reason)).filter(Boolean);
      state.refusal = `refusing to pay: ${reasons.join('; ') || 'no payment option offered'}`;
      throw new SpendingCapError(state.refusal);
    }
    return affordable;
  };
}

/**
 * An `onBeforePaymentCreation` hook: the last check on the requirement actually chosen by the selector
 * (defence in depth behind the policy) and the place where the chosen price is recorded.
 */
export function spendingCapGuard(max: DecimalAmount, state: SpendingCapState): BeforePaymentCreationHook {
  return async ({ paymentRequired, selectedRequirements }) => {
    const offer = toOffer(paymentRequired.x402Version, selectedRequirements as PaymentRequirements);
    const verdict = checkOffer(offer, max);
    if (!verdict.ok) {
      state.refusal = `refusing to pay: ${verdict.reason}`;
      return { abort: true, reason: state.refusal };
    }
    state.selected = { ...offer, decimals: verdict.decimals };
    return undefined;
  };
}
