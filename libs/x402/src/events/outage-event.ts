import { ChainUnavailableError } from '../facilitator/rpc-scope.js';
import type { X402HttpException } from '../x402.errors.js';
import type { X402FacilitatorErrorEvent, X402RpcErrorEvent } from './x402-event.types.js';

/**
 * The outage event behind a failed facilitator call, if it was one: `rpc_error` when the chain's RPC
 * could not be reached, `facilitator_error` when the facilitator failed (5xx answer). A refusal (402)
 * is the payer's problem, not an outage: `undefined`.
 *
 * @example
 * const failure = facilitatorFailure(error, 'settle');
 * const outage = outageEvent(error, failure, 'settle', { route, network });
 * if (outage) events.emit(outage);
 */
export function outageEvent(
  error: unknown,
  failure: X402HttpException,
  operation: 'verify' | 'settle',
  where: { route?: string; network?: string } = {},
): X402FacilitatorErrorEvent | X402RpcErrorEvent | undefined {
  if (error instanceof ChainUnavailableError) return { type: 'rpc_error', operation, ...where };
  const status = failure.getStatus();
  if (status < 500) return undefined;
  return { type: 'facilitator_error', operation, code: failure.code, status, ...where };
}
