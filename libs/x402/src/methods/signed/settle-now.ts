import type { Logger } from '@nestjs/common';
import { encodePaymentResponseHeader } from '@x402/core/http';
import type { SettleResponse } from '@x402/core/types';
import type { X402Config } from '../../config/x402.config.js';
import { outageEvent } from '../../events/outage-event.js';
import { paymentFacts } from '../../events/payment-facts.js';
import type { X402Events } from '../../events/x402.events.js';
import { facilitatorFailure, sentNothing } from '../../facilitator/facilitator-errors.js';
import { reasonCode, reasonDetail, safeMessage } from '../../facilitator/failure-reason.js';
import { ledgerCall } from '../../ledger/ledger-call.js';
import { UNSERVED_UPFRONT, type PaymentClaims, type PaymentRecord } from '../../ledger/payment-store.interface.js';
import type { X402SettlementService } from '../../settlement/settlement.service.js';
import { settledAmountsFor, settlementOverridesFor } from '../../upto/upto-settlement.js';
import { PAYMENT_RESPONSE_HEADER, X_PAYMENT_RESPONSE_HEADER } from '../../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../../x402.errors.js';
import type { LeaseContext } from '../payment-method.js';
import type { X402RequestState } from './request-state.js';
import { settlementPending } from './pending-settlement.js';
import { snapshotOf } from './response-snapshot.js';

/** What settling a signed payment needs. */
export interface SettleDeps {
  store: PaymentClaims;
  config: X402Config;
  settlement: X402SettlementService;
  events: X402Events;
  logger: Logger;
}

/** Sets `PAYMENT-RESPONSE` (`X-PAYMENT-RESPONSE` for a v1 payment) and returns it (for an error that sets it again). */
function paymentResponseHeader(context: LeaseContext, result: SettleResponse, x402Version: number): Record<string, string> {
  const headers = { [x402Version === 1 ? X_PAYMENT_RESPONSE_HEADER : PAYMENT_RESPONSE_HEADER]: encodePaymentResponseHeader(result) };
  for (const [name, value] of Object.entries(headers)) context.setHeader(name, value);
  return headers;
}

/**
 * The answer to a settlement whose outcome is unknown: the claim stays held for reconciliation and the
 * payer gets `503 settlement_pending` with its receipt id (see {@link settlementPending}), never a 402.
 */
async function pending(deps: SettleDeps, state: X402RequestState, context: LeaseContext, reason: string, transaction?: string) {
  const { record } = state;
  deps.logger.warn(`settlement of payment ${record.id} is uncertain (${reason}); it will be reconciled from the chain`);
  // upfront: the handler has not run; a retry of the same authorization runs it once the payment is found on chain
  if (record.mode === 'upfront') await deps.store.recordHandlerError(record.id, UNSERVED_UPFRONT).catch((e: Error) => deps.logger.error(`payment ${record.id}: ${e.message}`));
  const network = (state.facilitatorRequirements ?? state.requirements).network;
  const answer = settlementPending({ receipt: record.id, network, payer: state.payer, transaction: transaction || undefined, x402Version: state.payload.x402Version });
  for (const [name, value] of Object.entries(answer.headers)) context.setHeader(name, value);
  return answer;
}

/**
 * Runs a ledger step that moves the claim out of `verified`; if it throws, the claim is released
 * (nothing was charged, the handler's response is withheld) so that the payer can use the same
 * authorization again instead of getting 409 for good.
 */
export async function releasingOnError<T>(deps: SettleDeps, record: PaymentRecord, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    deps.events.emit({ type: 'failed', stage: 'settle', reason: error instanceof X402HttpException ? error.code : X402ErrorCode.LedgerUnavailable, ...paymentFacts(record) });
    await deps.store.release(record.id).catch((e: Error) => deps.logger.error(`could not release payment ${record.id}: ${e.message}`));
    throw error;
  }
}

async function recordFailure(deps: SettleDeps, id: string, code: string): Promise<void> {
  deps.logger.warn(`settlement of payment ${id} failed: ${code}`);
  await deps.store.markFailed(id, code).catch((error: Error) => deps.logger.error(`could not record the failure of payment ${id}: ${error.message}`));
}

/**
 * Settles a claimed payment through the facilitator and sets `PAYMENT-RESPONSE`; throws (withholding
 * the body) if money did not move. An uncertain outcome (timeout, 5xx) is never `failed`: the claim
 * stays held and the outbox reconciles it from the chain.
 */
export async function settleNow(deps: SettleDeps, state: X402RequestState, context: LeaseContext, body: unknown): Promise<SettleResponse> {
  const { store, config, settlement, events, logger } = deps;
  const { record } = state;
  const requirements = state.facilitatorRequirements ?? state.requirements;
  const version = state.payload.x402Version;
  const recording = releasingOnError(deps, record, () =>
    ledgerCall(() =>
      store.markSettling(record.id, {
        settlement: { payload: state.payload, requirements },
        // kept so that a settlement found on chain later can still be replayed to the payer
        response: config.ledger.snapshots && record.mode !== 'upfront' ? snapshotOf(body, context.status, {}, config.ledger.snapshotMaxBytes) : undefined,
        lockMs: config.settlement.holdMs,
      }),
    ),
  );
  const started = Date.now();
  // Prepared while the ledger records the payment as settling; sent only once that write went through.
  const settling = settlement.settleRecorded(state.payload, requirements, recording, settlementOverridesFor(state));
  settling.catch(() => undefined); // answered below, or moot when the write failed
  const held = await recording;
  if (!held) throw new X402HttpException(409, X402ErrorCode.PaymentInProgress, 'this payment is already being settled');
  let result: SettleResponse;
  try {
    result = await settling;
  } catch (error) {
    const failure = facilitatorFailure(error, 'settle');
    const outage = outageEvent(error, failure, 'settle', { route: record.route, network: record.network });
    if (outage) events.emit(outage);
    events.emit({ type: 'failed', stage: 'settle', reason: failure.code, status: failure.getStatus(), ...paymentFacts(record) });
    if (sentNothing(error)) {
      // The chain could not be reached before anything was sent: the payment cannot land. Recorded as failed (the
      // same authorization, sent again once the chain is back, takes the record over) and never answered as a 402.
      await recordFailure(deps, record.id, failure.code);
      context.setHeader('Retry-After', '5');
      throw facilitatorFailure(error, 'settle', { 'Retry-After': '5' });
    }
    if (failure.getStatus() !== 402) {
      // Outcome unknown (a timeout, a 5xx, a dropped connection: the transaction may have been sent).
      // Never `failed` and never a 402 to the payer: the claim stays held, and the outbox reconciles it
      // from the chain; the same payment sent again then gets its response replayed.
      throw await pending(deps, state, context, failure.code);
    }
    const failed: SettleResponse = { success: false, errorReason: failure.code, transaction: '', network: requirements.network as SettleResponse['network'], payer: state.payer };
    await recordFailure(deps, record.id, failure.code);
    throw facilitatorFailure(error, 'settle', paymentResponseHeader(context, failed, version));
  }
  if (!result.success) {
    // Only a code goes out (and into the ledger): a facilitator may put a whole error message in the reason.
    const code = reasonCode(result.errorReason, X402ErrorCode.SettlementFailed);
    // Sent, not confirmed (the facilitator's receipt wait ended): held like any other unknown outcome.
    if (code === X402ErrorCode.SettlementPending) {
      events.emit({ type: 'failed', stage: 'settle', reason: code, status: 503, ...paymentFacts(record) });
      throw await pending(deps, state, context, code, result.transaction);
    }
    const detail = reasonDetail(result.errorReason);
    events.emit({ type: 'failed', stage: 'settle', reason: code, status: 402, ...paymentFacts(record) });
    await recordFailure(deps, record.id, code);
    logger.warn(`settlement of payment ${record.id} was refused: ${code}${detail ? ` (${detail})` : ''}`);
    const { errorMessage, ...refused } = result;
    // Answered in the payer's version: a v1 payer reads the 402 body, with v1 requirements.
    const accepts = version === 1 ? { x402Version: 1, accepts: [state.facilitatorRequirements] } : { x402Version: 2, accepts: state.offer.requirements };
    throw new X402HttpException(402, code, safeMessage(errorMessage, `the payment could not be settled: ${code}`), accepts, paymentResponseHeader(context, { ...refused, errorReason: code }, version));
  }
  state.settlement = result;
  const amounts = settledAmountsFor(state, result); // an `upto` payment settles its charge, not the authorized maximum
  events.emit({ type: 'settled', ...paymentFacts(record), ...(amounts?.settled ? { amount: amounts.settled } : {}), transaction: result.transaction, latencyMs: Date.now() - started });
  const headers = paymentResponseHeader(context, result, version);
  const snapshot = record.mode !== 'upfront' && config.ledger.snapshots ? snapshotOf(body, context.status, headers, config.ledger.snapshotMaxBytes) : undefined;
  try {
    await store.markSettled(record.id, result.transaction, snapshot, amounts);
  } catch (error) {
    // Money moved: the client gets what it paid for; the missing receipt must be reconciled from the chain.
    logger.error(`payment ${record.id} settled in ${result.transaction} but the ledger could not record it: ${(error as Error).message}`);
  }
  return result;
}
