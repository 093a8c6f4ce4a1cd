import type { SettleResponse } from '@x402/core/types';
import type { X402RequestState } from '../methods/signed/request-state.js';
import type { SettledAmounts } from '../ledger/payment-store.interface.js';
import { UPTO_SCHEME } from './upto-scheme.js';
import { meterOf } from './usage.decorator.js';

/**
 * What to settle an `upto` payment for: the handler's (capped) charges, or the authorized maximum if it reported none.
 *
 * @example
 * settlementAmountOf(state) // 30000n after usage.charge('0.03'); undefined for an exact payment
 */
export function settlementAmountOf(state: X402RequestState): bigint | undefined {
  if (state.requirements.scheme !== UPTO_SCHEME) return undefined;
  return meterOf(state)?.settlement ?? BigInt(state.requirements.amount);
}

/**
 * `settlementOverrides` of `x402ResourceServer.settlePayment` for a request: the amount of an `upto`
 * payment (never more than authorized), nothing for any other scheme.
 *
 * @example
 * server.settlePayment(payload, requirements, undefined, undefined, settlementOverridesFor(state));
 */
export function settlementOverridesFor(state: X402RequestState): { amount: string } | undefined {
  const amount = settlementAmountOf(state);
  return amount === undefined ? undefined : { amount: amount.toString() };
}

/**
 * What the receipt records of an `upto` settlement: the authorized maximum and what moved.
 *
 * @example
 * await store.markSettled(id, result.transaction, snapshot, settledAmountsFor(state, result)); // { authorized: '100000', settled: '30000' }
 */
export function settledAmountsFor(state: X402RequestState, result: SettleResponse): SettledAmounts | undefined {
  const amount = settlementAmountOf(state);
  if (amount === undefined) return undefined;
  return { authorized: state.requirements.amount, settled: result.amount ?? amount.toString() };
}
