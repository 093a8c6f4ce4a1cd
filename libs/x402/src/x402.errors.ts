import { HttpException } from '@nestjs/common';

/**
 * Stable machine-readable codes of the errors this module answers with.
 * Facilitator reasons (e.g. `invalid_exact_evm_payload_signature`) are passed through as codes too.
 */
export const X402ErrorCode = {
  PaymentRequired: 'payment_required',
  InvalidPaymentHeader: 'invalid_payment_header',
  PaymentHeaderTooLarge: 'payment_header_too_large',
  InvalidPaymentPayload: 'invalid_payment_payload',
  UnsupportedVersion: 'unsupported_x402_version',
  RequirementsMismatch: 'payment_requirements_mismatch',
  PaymentInProgress: 'payment_in_progress',
  PaymentAlreadyUsed: 'payment_already_used',
  VerificationFailed: 'payment_verification_failed',
  SettlementFailed: 'settlement_failed',
  /**
   * The settlement's outcome is not known yet (the money may have moved): 503 with `Retry-After` and the
   * receipt id. Send the same payment again; never sign a new one.
   */
  SettlementPending: 'settlement_pending',
  FacilitatorUnavailable: 'facilitator_unavailable',
  FacilitatorTimeout: 'facilitator_timeout',
  FacilitatorError: 'facilitator_error',
  /** A facilitator answer larger than the client reads (`facilitator.maxResponseBytes`, 64 KiB): refused, the outcome is open. */
  FacilitatorResponseTooLarge: 'facilitator_response_too_large',
  /** A settle answer that does not fit the payment (network, payer, amount, transaction): not settled, reconciled from the chain. */
  FacilitatorAnswerMismatch: 'facilitator_answer_mismatch',
  /** A settle answer whose transaction the chain does not show paying the amount to payTo (yet): held, reconciled from the chain. */
  SettlementUnverified: 'settlement_unverified',
  PriceResolutionFailed: 'price_resolution_failed',
  LedgerUnavailable: 'ledger_unavailable',
  IdempotencyKeyReused: 'idempotency_key_reused',
  InvalidIdempotencyKey: 'invalid_idempotency_key',
  PaymentIdentifierRequired: 'payment_identifier_required',
  InvalidHost: 'invalid_host',
  InvalidForwardedProto: 'invalid_forwarded_proto',
  InvalidRequestTarget: 'invalid_request_target',
  /** `@Priced` on a handler that is not an HTTP route (GraphQL, microservice, websocket): refused, never free. */
  UnsupportedContext: 'priced_context_unsupported',
} as const;

/** One of the stable machine codes of {@link X402ErrorCode}. */
export type X402ErrorCodeValue = (typeof X402ErrorCode)[keyof typeof X402ErrorCode];

/** The `{ error: { code, message } }` part of the error bodies this module sends (every status but 402). */
export interface X402ErrorBody {
  code: string;
  message: string;
}

/**
 * An HTTP error with a stable code; `headers` are set on the response before it is sent.
 *
 * The body is `{ error: { code, message }, ...extra }`, except on 402: a 402 body is an x402
 * `PaymentRequired` object, whose `error` is a string in both protocol versions (typed v1 clients
 * fail to parse anything else), so it is `{ ...extra, error: code, message }`.
 *
 * @example
 * throw new X402HttpException(400, 'invalid_payment_header', 'PAYMENT-SIGNATURE is not base64 JSON');
 * // 402 body: { x402Version: 1, error: 'payment_required', message: '...', accepts: [...] }
 */
export class X402HttpException extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(status === 402 ? { ...extra, error: code, message } : { ...extra, error: { code, message } satisfies X402ErrorBody }, status);
    this.message = message;
  }
}

/**
 * Raised while validating module options or route prices at startup. The message names the bad option.
 *
 * @example
 * throw new X402ConfigError('payTo', 'must be a 0x-prefixed 20-byte address');
 */
export class X402ConfigError extends Error {
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super(`x402: invalid option "${option}": ${detail}`);
    this.name = 'X402ConfigError';
  }
}
