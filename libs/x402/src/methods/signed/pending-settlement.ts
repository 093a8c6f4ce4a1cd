import { encodePaymentResponseHeader } from '@x402/core/http';
import type { SettleResponse } from '@x402/core/types';
import { PAYMENT_RESPONSE_HEADER, X_PAYMENT_RESPONSE_HEADER } from '../../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../../x402.errors.js';

/** Seconds a payer is asked to wait before it sends the same authorization again. */
export const PENDING_RETRY_AFTER_SECONDS = 5;

/** What a pending answer is about: the held payment (its receipt id) and where it settles. */
export interface PendingPayment {
  /** The receipt id of the held payment. */
  receipt: string;
  network: string;
  payer: string;
  /** The settlement transaction, when one is known (a facilitator's `settlement_pending` names it). */
  transaction?: string;
  x402Version: number;
}

/**
 * The `SettleResponse` of a settlement whose outcome is not known yet, in the vocabulary x402 uses for
 * it: `success: false` with `errorReason: "settlement_pending"` (non-terminal: the transaction may still
 * land), and `extra.status: "pending"` with the receipt id to ask about.
 */
export function pendingSettleResponse(payment: PendingPayment): SettleResponse {
  return {
    success: false,
    errorReason: X402ErrorCode.SettlementPending,
    transaction: payment.transaction ?? '',
    network: payment.network as SettleResponse['network'],
    payer: payment.payer,
    extra: { status: 'pending', receipt: payment.receipt },
  };
}

/**
 * The answer to a request whose payment may have moved but is not confirmed (a facilitator timeout or
 * 5xx, an RPC cut after the transaction was sent): `503 settlement_pending` with `Retry-After`, the
 * receipt id in the body and a pending `PAYMENT-RESPONSE`. Not a 402: a payer told "payment required"
 * signs a new authorization and pays twice. The handler's response is withheld; the same authorization,
 * sent again, gets it once the payment is found on chain (or the normal 402 once it can no longer land).
 */
export function settlementPending(payment: PendingPayment): X402HttpException {
  const name = payment.x402Version === 1 ? X_PAYMENT_RESPONSE_HEADER : PAYMENT_RESPONSE_HEADER;
  return new X402HttpException(
    503,
    X402ErrorCode.SettlementPending,
    'the payment was submitted but its settlement is not confirmed yet; send the same payment again (the same PAYMENT-SIGNATURE) after Retry-After, do not sign a new one',
    { receipt: payment.receipt },
    { [name]: encodePaymentResponseHeader(pendingSettleResponse(payment)), 'Retry-After': String(PENDING_RETRY_AFTER_SECONDS) },
  );
}
