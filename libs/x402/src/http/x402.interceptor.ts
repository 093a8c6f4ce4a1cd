import { Inject, Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost } from '@nestjs/core';
import { encodePaymentResponseHeader } from '@x402/core/http';
import type { SettleResponse } from '@x402/core/types';
import { catchError, from, mergeMap, of, tap, throwError, type Observable } from 'rxjs';
import type { X402Config } from '../config/x402.config.js';
import { paymentFacts } from '../events/payment-facts.js';
import { outageEvent } from '../events/outage-event.js';
import { X402Events } from '../events/x402.events.js';
import { ledgerCall } from '../ledger/ledger-call.js';
import { facilitatorFailure } from '../facilitator/facilitator-errors.js';
import { reasonCode, reasonDetail, safeMessage } from '../facilitator/failure-reason.js';
import { PAYMENT_STORE, UNSERVED_UPFRONT, type PaymentStore } from '../ledger/payment-store.interface.js';
import { PAYMENT_RESPONSE_HEADER, X_PAYMENT_RESPONSE_HEADER } from '../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { X402_CONFIG } from '../x402.tokens.js';
import { X402OutboxWorker } from '../settlement/outbox.worker.js';
import { X402SettlementService } from '../settlement/settlement.service.js';
import { getRequestState, type X402RequestState } from './request-state.js';
import { takeProofClaim } from '../proofs/proof-request-state.js';
import { settleProof } from '../proofs/proof-settlement.js';
import { TxProofService, type ProofClaim } from '../proofs/tx-proof.service.js';
import { settledAmountsFor, settlementOverridesFor } from '../upto/upto-settlement.js';
import { snapshotOf } from './response-snapshot.js';
import { applyPaidCacheHeaders, isPriced } from './cache-headers.js';
import { settlementPending } from './pending-settlement.js';

/**
 * Settles a verified payment after its handler succeeded, and only then releases the handler's
 * response with `PAYMENT-RESPONSE`. A handler error settles nothing (no charge); a refused or
 * failed settlement withholds the response (402 / 5xx with `PAYMENT-RESPONSE` success:false).
 */
@Injectable()
export class X402Interceptor implements NestInterceptor {
  protected readonly logger = new Logger('X402');

  constructor(
    protected readonly adapterHost: HttpAdapterHost,
    @Inject(PAYMENT_STORE) protected readonly store: PaymentStore,
    @Inject(X402_CONFIG) protected readonly config: X402Config,
    protected readonly settlementService: X402SettlementService,
    protected readonly worker: X402OutboxWorker,
  ) {}

  /** Where payment outcomes are published (property-injected, so subclasses keep their constructors). */
  @Inject(X402Events) protected readonly events: X402Events;

  /** Transaction-hash proofs (property-injected, so subclasses keep their constructors). */
  @Inject(TxProofService) protected readonly proofs: TxProofService;

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.getType() === 'http' ? context.switchToHttp().getRequest() : undefined;
    if (!isPriced(request)) return this.paid(context, next);
    // Again after the handler: a handler's own `@Header('Cache-Control', ...)` is set after the guard ran.
    const response = context.switchToHttp().getResponse();
    const apply = () => applyPaidCacheHeaders(this.adapterHost.httpAdapter, response);
    return this.paid(context, next).pipe(tap({ next: apply, error: apply }));
  }

  /** What {@link intercept} does for a priced request: settle, replay, or record a proof. */
  protected paid(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const proof = context.getType() === 'http' ? takeProofClaim(context.switchToHttp().getRequest()) : undefined;
    if (proof) return this.settleProof(context, next, proof);
    const state = context.getType() === 'http' ? getRequestState(context.switchToHttp().getRequest()) : undefined;
    if (!state || state.intercepted) return next.handle();
    state.intercepted = true;
    const http = context.switchToHttp();
    const response = http.getResponse();
    if (state.replay) return of(this.replay(state, response));
    const declaredStatus: number | undefined = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler());
    const method = this.adapterHost.httpAdapter.getRequestMethod?.(http.getRequest()) ?? 'GET';
    const status = declaredStatus ?? (method === 'POST' ? 201 : 200);
    const release = (handlerStatus?: number) => {
      this.events.emit({ type: 'failed', stage: 'handler', reason: 'handler_error', ...(handlerStatus ? { status: handlerStatus } : {}), ...paymentFacts(state.record) });
      return this.store.release(state.record.id).catch((error: Error) => this.logger.error(`could not release payment ${state.record.id}: ${error.message}`));
    };

    if (state.record.mode === 'upfront') return this.upfront(state, response, next, status);
    return next.handle().pipe(
      catchError((error) => from(release(typeof error?.getStatus === 'function' ? error.getStatus() : 500)).pipe(mergeMap(() => throwError(() => error)))),
      mergeMap((body) => {
        if (state.settlement) return [body]; // a streaming handler: settled on its first value
        if (status >= 400) return from(release(status).then(() => body));
        if (state.record.mode === 'deferred') return from(this.defer(state, response, body, status).then(() => body));
        return from(this.settle(state, response, body, status).then(() => body));
      }),
    );
  }

  /**
   * A request paid by a transaction-hash proof: money already moved on chain. The handler runs once;
   * on success the proof is used (receipt recorded, `PAYMENT-RESPONSE` set), on failure it is released.
   */
  protected settleProof(context: ExecutionContext, next: CallHandler, claim: ProofClaim): Observable<unknown> {
    const http = context.switchToHttp();
    const response = http.getResponse();
    const declaredStatus: number | undefined = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler());
    const status = declaredStatus ?? ((this.adapterHost.httpAdapter.getRequestMethod?.(http.getRequest()) ?? 'GET') === 'POST' ? 201 : 200);
    return settleProof(this.proofs, claim, next.handle(), status, {
      setHeader: (name, value) => this.adapterHost.httpAdapter.setHeader(response, name, value),
      settled: (receipt) => this.events.emit({ type: 'settled', ...paymentFacts(receipt), transaction: claim.transaction }),
      logger: this.logger,
    });
  }

  /**
   * Settle first, then run the handler (for handlers with side effects). Money has moved before the
   * handler runs, so a handler failure is recorded on the receipt for reconciliation, not refunded.
   */
  protected upfront(state: X402RequestState, response: unknown, next: CallHandler, status: number): Observable<unknown> {
    const recordFailure = (error: unknown) =>
      this.store
        .recordHandlerError(state.record.id, error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500))
        .catch((e: Error) => this.logger.error(`could not record the handler failure of payment ${state.record.id}: ${e.message}`));
    return from(state.settled ? this.alreadySettled(state, response) : this.settle(state, response, undefined, status)).pipe(
      mergeMap(() => next.handle().pipe(catchError((error) => from(recordFailure(error)).pipe(mergeMap(() => throwError(() => error)))))),
      mergeMap((body) => {
        if (status >= 400) return from(recordFailure(`handler answered ${status}`).then(() => body));
        const snapshot = this.snapshot(state, body, status);
        return from(this.store.markSettled(state.record.id, state.settlement!.transaction, snapshot).catch(() => undefined).then(() => body));
      }),
    );
  }

  /** Upfront mode, a retry of a payment found on chain before its handler ran: `PAYMENT-RESPONSE` of that settlement. */
  protected async alreadySettled(state: X402RequestState, response: unknown): Promise<SettleResponse> {
    const network = (state.facilitatorRequirements ?? state.requirements).network as SettleResponse['network'];
    state.settlement = { success: true, transaction: state.record.transaction ?? '', network, payer: state.record.payer };
    this.paymentResponseHeader(response, state.settlement, state.payload.x402Version);
    return state.settlement;
  }

  /**
   * Deferred mode: the payment is verified and claimed, the handler succeeded; queue the settlement
   * in the ledger's outbox and answer now. `PAYMENT-RESPONSE` says the settlement is pending.
   */
  protected async defer(state: X402RequestState, response: unknown, body: unknown, status: number): Promise<void> {
    const requirements = state.facilitatorRequirements ?? state.requirements;
    const pending: SettleResponse = {
      success: true,
      transaction: '',
      network: requirements.network as SettleResponse['network'],
      payer: state.payer,
      extra: { settlement: 'deferred', receipt: state.record.id },
    };
    const headers = { [state.payload.x402Version === 1 ? X_PAYMENT_RESPONSE_HEADER : PAYMENT_RESPONSE_HEADER]: encodePaymentResponseHeader(pending) };
    const snapshot = this.config.ledger.snapshots ? snapshotOf(body, status, headers, this.config.ledger.snapshotMaxBytes) : undefined;
    // Nothing is promised to the client (no success:true header) until the outbox holds the payment.
    const queued = await this.releasingOnError(state, () =>
      ledgerCall(() => this.store.markQueued(state.record.id, { payload: state.payload, requirements }, this.settlementService.settleBy(state.validBefore), snapshot)),
    );
    if (!queued) throw new X402HttpException(409, X402ErrorCode.PaymentInProgress, 'this payment is already being settled');
    this.paymentResponseHeader(response, pending, state.payload.x402Version);
    state.settlement = pending;
    this.worker.notify();
  }

  /**
   * Runs a ledger step that moves the claim out of `verified`; if it throws, the claim is released
   * (nothing was charged, the handler's response is withheld) so that the payer can use the same
   * authorization again instead of getting 409 for good. A claim that did move on is left alone:
   * `release` drops `verified` claims only.
   */
  protected async releasingOnError<T>(state: X402RequestState, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      this.events.emit({ type: 'failed', stage: 'settle', reason: error instanceof X402HttpException ? error.code : X402ErrorCode.LedgerUnavailable, ...paymentFacts(state.record) });
      await this.store.release(state.record.id).catch((e: Error) => this.logger.error(`could not release payment ${state.record.id}: ${e.message}`));
      throw error;
    }
  }

  private snapshot(state: X402RequestState, body: unknown, status: number) {
    if (!this.config.ledger.snapshots || !state.settlement) return undefined;
    const name = state.payload.x402Version === 1 ? X_PAYMENT_RESPONSE_HEADER : PAYMENT_RESPONSE_HEADER;
    return snapshotOf(body, status, { [name]: encodePaymentResponseHeader(state.settlement) }, this.config.ledger.snapshotMaxBytes);
  }

  /**
   * Answers a repeat of a settled payment with the response it paid for; the handler does not run again.
   * The settlement header is named for the repeat's protocol version (a v1 client reads `X-PAYMENT-RESPONSE`).
   */
  protected replay(state: X402RequestState, response: unknown): unknown {
    const snapshot = state.record.response!;
    const settlementHeader = state.payload.x402Version === 1 ? X_PAYMENT_RESPONSE_HEADER : PAYMENT_RESPONSE_HEADER;
    let settled = false;
    for (const [name, value] of Object.entries(snapshot.headers)) {
      const isSettlement = /^(x-)?payment-response$/i.test(name);
      settled ||= isSettlement;
      this.adapterHost.httpAdapter.setHeader(response, isSettlement ? settlementHeader : name, value);
    }
    if (!settled && state.record.state === 'settled' && state.record.transaction) {
      // a settlement found on chain (reconciled) after its request was answered with an error: the snapshot has no header yet
      const network = (state.facilitatorRequirements ?? state.requirements).network as SettleResponse['network'];
      this.paymentResponseHeader(response, { success: true, transaction: state.record.transaction, network, payer: state.record.payer }, state.payload.x402Version);
    }
    return snapshot.body;
  }

  /** Settles the payment and sets `PAYMENT-RESPONSE`; throws (withholding the body) if money did not move. */
  protected async settle(state: X402RequestState, response: unknown, body: unknown, status: number): Promise<SettleResponse> {
    const { record } = state;
    const requirements = state.facilitatorRequirements ?? state.requirements;
    const held = await this.releasingOnError(state, () =>
      ledgerCall(() =>
        this.store.markSettling(record.id, {
          settlement: { payload: state.payload, requirements },
          // kept so that a settlement found on chain later can still be replayed to the payer
          response: this.config.ledger.snapshots && state.record.mode !== 'upfront' ? snapshotOf(body, status, {}, this.config.ledger.snapshotMaxBytes) : undefined,
          lockMs: this.config.settlement.holdMs,
        }),
      ),
    );
    if (!held) {
      throw new X402HttpException(409, X402ErrorCode.PaymentInProgress, 'this payment is already being settled');
    }
    let result: SettleResponse;
    const started = Date.now();
    try {
      result = await this.settlementService.settle(state.payload, requirements, settlementOverridesFor(state));
    } catch (error) {
      const failed: SettleResponse = {
        success: false,
        errorReason: X402ErrorCode.SettlementFailed,
        transaction: '',
        network: (state.facilitatorRequirements ?? state.requirements).network as SettleResponse['network'],
        payer: state.payer,
      };
      const failure = facilitatorFailure(error, 'settle');
      failed.errorReason = failure.code;
      const outage = outageEvent(error, failure, 'settle', { route: record.route, network: record.network });
      if (outage) this.events.emit(outage);
      this.events.emit({ type: 'failed', stage: 'settle', reason: failure.code, status: failure.getStatus(), ...paymentFacts(state.record) });
      if (failure.getStatus() !== 402) {
        // Outcome unknown (a timeout, a 5xx, a dropped connection: the transaction may have been sent).
        // Never `failed` and never a 402 to the payer: the claim stays held, and the outbox reconciles it
        // from the chain; the same payment sent again then gets its response replayed.
        throw await this.pending(state, response, failure.code);
      }
      await this.recordFailure(record.id, failed.errorReason);
      throw facilitatorFailure(error, 'settle', this.paymentResponseHeader(response, failed, state.payload.x402Version));
    }
    if (!result.success) {
      // Only a code goes out (and into the ledger): a facilitator may put a whole error message in the reason.
      const code = reasonCode(result.errorReason, X402ErrorCode.SettlementFailed);
      // Sent, not confirmed (the facilitator's receipt wait ended): held like any other unknown outcome.
      if (code === X402ErrorCode.SettlementPending) {
        this.events.emit({ type: 'failed', stage: 'settle', reason: code, status: 503, ...paymentFacts(state.record) });
        throw await this.pending(state, response, code, result.transaction);
      }
      const detail = reasonDetail(result.errorReason);
      this.events.emit({ type: 'failed', stage: 'settle', reason: code, status: 402, ...paymentFacts(state.record) });
      await this.recordFailure(record.id, code);
      this.logger.warn(`settlement of payment ${record.id} was refused: ${code}${detail ? ` (${detail})` : ''}`);
      const { errorMessage, ...refused } = result;
      // Answered in the payer's version: a v1 payer reads the 402 body, with v1 requirements.
      const accepts = state.payload.x402Version === 1 ? { x402Version: 1, accepts: [state.facilitatorRequirements] } : { x402Version: 2, accepts: state.offer.requirements };
      throw new X402HttpException(
        402,
        code,
        safeMessage(errorMessage, `the payment could not be settled: ${code}`),
        accepts,
        this.paymentResponseHeader(response, { ...refused, errorReason: code }, state.payload.x402Version),
      );
    }
    state.settlement = result;
    const amounts = settledAmountsFor(state, result); // an `upto` payment settles its charge, not the authorized maximum
    this.events.emit({ type: 'settled', ...paymentFacts(state.record), ...(amounts?.settled ? { amount: amounts.settled } : {}), transaction: result.transaction, latencyMs: Date.now() - started });
    this.paymentResponseHeader(response, result, state.payload.x402Version);
    const snapshot = state.record.mode === 'upfront' ? undefined : this.snapshot(state, body, status);
    try {
      await this.store.markSettled(record.id, result.transaction, snapshot, amounts);
    } catch (error) {
      // Money moved: the client gets what it paid for; the missing receipt must be reconciled from the chain.
      this.logger.error(`payment ${record.id} settled in ${result.transaction} but the ledger could not record it: ${(error as Error).message}`);
    }
    return result;
  }

  /**
   * The answer to a settlement whose outcome is unknown: the claim stays held for reconciliation and the
   * payer gets `503 settlement_pending` with its receipt id (see {@link settlementPending}).
   */
  protected async pending(state: X402RequestState, response: unknown, reason: string, transaction?: string): Promise<X402HttpException> {
    const { record } = state;
    this.logger.warn(`settlement of payment ${record.id} is uncertain (${reason}); it will be reconciled from the chain`);
    // upfront: the handler has not run; a retry of the same authorization runs it once the payment is found on chain
    if (record.mode === 'upfront') await this.store.recordHandlerError(record.id, UNSERVED_UPFRONT).catch((e: Error) => this.logger.error(`payment ${record.id}: ${e.message}`));
    const network = (state.facilitatorRequirements ?? state.requirements).network;
    const answer = settlementPending({ receipt: record.id, network, payer: state.payer, transaction: transaction || undefined, x402Version: state.payload.x402Version });
    for (const [name, value] of Object.entries(answer.headers)) this.adapterHost.httpAdapter.setHeader(response, name, value);
    return answer;
  }

  private async recordFailure(id: string, code: string): Promise<void> {
    this.logger.warn(`settlement of payment ${id} failed: ${code}`);
    await this.store.markFailed(id, code).catch((error: Error) => this.logger.error(`could not record the failure of payment ${id}: ${error.message}`));
  }

  /** Sets `PAYMENT-RESPONSE` (`X-PAYMENT-RESPONSE` for a v1 payment) and returns it (for an error that sets it again). */
  protected paymentResponseHeader(response: unknown, result: SettleResponse, x402Version = 2): Record<string, string> {
    const name = x402Version === 1 ? X_PAYMENT_RESPONSE_HEADER : PAYMENT_RESPONSE_HEADER;
    const headers = { [name]: encodePaymentResponseHeader(result) };
    for (const [name, value] of Object.entries(headers)) this.adapterHost.httpAdapter.setHeader(response, name, value);
    return headers;
  }
}
