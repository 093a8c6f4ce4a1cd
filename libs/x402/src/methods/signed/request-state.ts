import type { PaymentPayload, PaymentRequirements, SettleResponse } from '@x402/core/types';
import type { DeferredCaps, PaymentRecord } from '../../ledger/payment-store.interface.js';
import type { RouteOffer, RoutePlan } from '../../pricing/route-plan.types.js';

/** Where the guard leaves a verified payment for the interceptor (a symbol key on the request). */
export const X402_REQUEST_STATE = Symbol('x402:request');

/** A verified, claimed payment travelling with its request. */
export interface X402RequestState {
  plan: RoutePlan;
  offer: RouteOffer;
  /** The payload as sent (a v1 payload for `X-PAYMENT`). */
  payload: PaymentPayload;
  /** The route's requirement the payment matched (v2, CAIP-2 network): what the ledger records. */
  requirements: PaymentRequirements;
  /** What the facilitator verifies and settles: for a v1 payment, the v1 form of `requirements`. */
  facilitatorRequirements?: PaymentRequirements;
  payer: string;
  /** The authorization's validBefore (unix seconds): a deferred settlement must land before it. */
  validBefore: string;
  record: PaymentRecord;
  /** Deferred mode: the exposure caps the payment must fit (checked when it is queued, where the store does). */
  deferredCaps?: DeferredCaps;
  /** The payment was already settled for this route: answer with `record.response`, run nothing. */
  replay?: boolean;
  /** Upfront mode: the payment was settled (found on chain) before its handler ran; only the handler runs now. */
  settled?: boolean;
  /** Set once the interceptor took charge, so a second binding of it is a no-op. */
  intercepted?: boolean;
  settlement?: SettleResponse;
}

/** Reads the payment state of a request, if it carried a verified payment. */
export function getRequestState(request: unknown): X402RequestState | undefined {
  return (request as Record<symbol, X402RequestState | undefined>)?.[X402_REQUEST_STATE];
}

export function setRequestState(request: unknown, state: X402RequestState): void {
  (request as Record<symbol, X402RequestState>)[X402_REQUEST_STATE] = state;
}
