import { FacilitatorResponseError, FacilitatorTimeoutError, SettleError, VerifyError } from '@x402/core/types';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { reasonCode, safeMessage } from './failure-reason.js';
import { ChainUnavailableError } from './rpc-scope.js';

/**
 * Whether a settle failure is known to have sent nothing: the local facilitator could not reach the chain before
 * it handed any transaction to the RPC (a `ChainUnavailableError` with `broadcast: false`). Such a payment cannot
 * land, so its claim is given back; anything else that failed (a timeout, a 5xx, a remote facilitator) may have sent it.
 *
 * @example
 * if (sentNothing(error)) await store.release(id);
 */
export function sentNothing(error: unknown): boolean {
  return error instanceof ChainUnavailableError && !error.broadcast;
}

/**
 * Maps anything a facilitator call threw to an HTTP answer with a stable code, so a failing
 * dependency never becomes an anonymous 500: refusals are 402 with the facilitator's reason (when it is a code),
 * timeouts 504, malformed answers and facilitator errors (5xx) 502, unreachable services and RPCs 503.
 *
 * @example
 * try { await server.verifyPayment(payload, requirements) } catch (error) { throw facilitatorFailure(error, 'verify') }
 */
export function facilitatorFailure(error: unknown, operation: 'verify' | 'settle', headers: Record<string, string> = {}): X402HttpException {
  if (error instanceof X402HttpException) return error;
  if ((error instanceof VerifyError || error instanceof SettleError) && error.statusCode >= 500) {
    return new X402HttpException(502, X402ErrorCode.FacilitatorError, `the payment facilitator failed to ${operation} (HTTP ${error.statusCode})`, {}, headers);
  }
  if (error instanceof VerifyError) {
    const code = reasonCode(error.invalidReason, X402ErrorCode.VerificationFailed);
    return new X402HttpException(402, code, safeMessage(error.invalidMessage, `payment was refused: ${code}`), {}, headers);
  }
  if (error instanceof SettleError) {
    const code = reasonCode(error.errorReason, X402ErrorCode.SettlementFailed);
    return new X402HttpException(402, code, safeMessage(error.errorMessage, `settlement was refused: ${code}`), {}, headers);
  }
  if (error instanceof FacilitatorTimeoutError) {
    return new X402HttpException(504, X402ErrorCode.FacilitatorTimeout, `the payment facilitator did not answer ${operation} in time`, {}, headers);
  }
  if (error instanceof FacilitatorResponseError) {
    return new X402HttpException(502, X402ErrorCode.FacilitatorError, `the payment facilitator gave an invalid ${operation} answer`, {}, headers);
  }
  return new X402HttpException(503, X402ErrorCode.FacilitatorUnavailable, `the payment facilitator is unavailable (${operation})`, {}, headers);
}
