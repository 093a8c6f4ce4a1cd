import { Inject, Injectable, Logger } from '@nestjs/common';
import { encodePaymentResponseHeader } from '@x402/core/http';
import type { SettleResponse } from '@x402/core/types';
import { catchError, from, mergeMap, of, throwError, type Observable } from 'rxjs';
import type { X402Config } from '../../config/x402.config.js';
import { paymentFacts } from '../../events/payment-facts.js';
import { X402Events } from '../../events/x402.events.js';
import { ledgerCall } from '../../ledger/ledger-call.js';
import { PAYMENT_STORE, type PaymentClaims } from '../../ledger/payment-store.interface.js';
import { X402OutboxWorker } from '../../settlement/outbox.worker.js';
import { X402SettlementService } from '../../settlement/settlement.service.js';
import { PAYMENT_RESPONSE_HEADER, X_PAYMENT_RESPONSE_HEADER } from '../../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../../x402.errors.js';
import { X402_CONFIG } from '../../x402.tokens.js';
import type { LeaseContext, PaymentLease } from '../payment-method.js';
import { setRequestState, type X402RequestState } from './request-state.js';
import { snapshotOf } from './response-snapshot.js';
import { releasingOnError, settleNow, type SettleDeps } from './settle-now.js';

/** How a settlement mode wraps the handler: after it (authorization, deferred), or before it (upfront). */
type ModeStrategy = (lease: SignedPaymentLease, handler: () => Observable<unknown>, context: LeaseContext) => Observable<unknown>;

/** Runs the handler, then `finish`es the payment with its body; a handler error or an error status releases the claim. */
const afterHandler =
  (finish: (lease: SignedPaymentLease, body: unknown, context: LeaseContext) => Promise<unknown>): ModeStrategy =>
  (lease, handler, context) =>
    handler().pipe(
      catchError((error) => from(lease.release(typeof error?.getStatus === 'function' ? error.getStatus() : 500)).pipe(mergeMap(() => throwError(() => error)))),
      mergeMap((body) => {
        if (lease.state.settlement) return [body]; // a streaming handler: settled on its first value
        if (context.status >= 400) return from(lease.release(context.status).then(() => body));
        return from(finish(lease, body, context).then(() => body));
      }),
    );

/** The settlement modes, one strategy each (see `docs/settlement-modes.md`). */
const MODES: Record<'authorization' | 'deferred' | 'upfront', ModeStrategy> = {
  authorization: afterHandler((lease, body, context) => lease.settle(body, context)),
  deferred: afterHandler((lease, body, context) => lease.defer(body, context)),
  upfront: (lease, handler, context) => lease.upfront(handler, context),
};

/**
 * A verified, claimed signed payment held by its request: the interceptor runs it around the
 * handler and it settles in the payment's mode, replays a stored response, or releases the claim.
 */
export class SignedPaymentLease implements PaymentLease {
  private started = false;
  private aborted = false;

  constructor(
    readonly state: X402RequestState,
    private readonly deps: SettleDeps & { worker: X402OutboxWorker },
  ) {}

  run(handler: () => Observable<unknown>, context: LeaseContext): Observable<unknown> {
    this.started = true;
    if (this.state.replay) return of(this.replay(context));
    return MODES[this.state.record.mode ?? 'authorization'](this, handler, context);
  }

  async abort(reason: string): Promise<void> {
    if (this.started || this.aborted || this.state.replay) return;
    this.aborted = true;
    await this.release(undefined, reason);
  }

  /** Gives the claim back without charging (the handler failed, answered an error, or never ran). */
  release(status?: number, reason = 'handler_error'): Promise<void> {
    const { events, store, logger } = this.deps;
    const record = this.state.record;
    events.emit({ type: 'failed', stage: 'handler', reason, ...(status ? { status } : {}), ...paymentFacts(record) });
    return store.release(record.id).then(
      () => undefined,
      (error: Error) => logger.error(`could not release payment ${record.id}: ${error.message}`),
    );
  }

  /** Authorization mode: settles now, and releases the body only once money moved. */
  settle(body: unknown, context: LeaseContext): Promise<SettleResponse> {
    return settleNow(this.deps, this.state, context, body);
  }

  /**
   * Deferred mode: the payment is verified and claimed, the handler succeeded; queue the settlement
   * in the ledger's outbox and answer now. `PAYMENT-RESPONSE` says the settlement is pending.
   */
  async defer(body: unknown, context: LeaseContext): Promise<void> {
    const { state } = this;
    const { store, config, settlement, worker } = this.deps;
    const requirements = state.facilitatorRequirements ?? state.requirements;
    const pending: SettleResponse = {
      success: true,
      transaction: '',
      network: requirements.network as SettleResponse['network'],
      payer: state.payer,
      extra: { settlement: 'deferred', receipt: state.record.id },
    };
    const headers = { [state.payload.x402Version === 1 ? X_PAYMENT_RESPONSE_HEADER : PAYMENT_RESPONSE_HEADER]: encodePaymentResponseHeader(pending) };
    const snapshot = config.ledger.snapshots ? snapshotOf(body, context.status, headers, config.ledger.snapshotMaxBytes) : undefined;
    // Nothing is promised to the client (no success:true header) until the outbox holds the payment.
    const caps = store.checksCapsWhenQueued ? state.deferredCaps : undefined;
    const queued = await releasingOnError(this.deps, state.record, () =>
      ledgerCall(() => store.markQueued(state.record.id, { payload: state.payload, requirements }, settlement.settleBy(state.validBefore), snapshot, caps)),
    );
    if (queued === 'over_caps') {
      // past the caps, counted with every claim committed before (any instance's): settled before it is answered
      state.record = { ...state.record, mode: 'authorization' };
      await this.settle(body, context);
      return;
    }
    if (!queued) throw new X402HttpException(409, X402ErrorCode.PaymentInProgress, 'this payment is already being settled');
    for (const [name, value] of Object.entries(headers)) context.setHeader(name, value);
    state.settlement = pending;
    worker.notify();
  }

  /**
   * Upfront mode: settle first, then run the handler (for handlers with side effects). Money has moved
   * before the handler runs, so a handler failure is recorded on the receipt for reconciliation, not refunded.
   */
  upfront(handler: () => Observable<unknown>, context: LeaseContext): Observable<unknown> {
    const { state } = this;
    const { store, config, logger } = this.deps;
    const recordFailure = (error: unknown) =>
      store
        .recordHandlerError(state.record.id, error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500))
        .catch((e: Error) => logger.error(`could not record the handler failure of payment ${state.record.id}: ${e.message}`));
    // a retry of a payment found on chain before its handler ran: only the handler runs now
    const settled = state.settled ? Promise.resolve(this.alreadySettled(context)) : settleNow(this.deps, state, context, undefined);
    return from(settled).pipe(
      mergeMap(() => handler().pipe(catchError((error) => from(recordFailure(error)).pipe(mergeMap(() => throwError(() => error)))))),
      mergeMap((body) => {
        if (context.status >= 400) return from(recordFailure(`handler answered ${context.status}`).then(() => body));
        const name = state.payload.x402Version === 1 ? X_PAYMENT_RESPONSE_HEADER : PAYMENT_RESPONSE_HEADER;
        const snapshot = config.ledger.snapshots
          ? snapshotOf(body, context.status, { [name]: encodePaymentResponseHeader(state.settlement!) }, config.ledger.snapshotMaxBytes)
          : undefined;
        return from(store.markSettled(state.record.id, state.settlement!.transaction, snapshot).catch(() => undefined).then(() => body));
      }),
    );
  }

  /** Upfront mode, a retry of a payment found on chain before its handler ran: `PAYMENT-RESPONSE` of that settlement. */
  private alreadySettled(context: LeaseContext): SettleResponse {
    const { state } = this;
    const network = (state.facilitatorRequirements ?? state.requirements).network as SettleResponse['network'];
    state.settlement = { success: true, transaction: state.record.transaction ?? '', network, payer: state.record.payer };
    const name = state.payload.x402Version === 1 ? X_PAYMENT_RESPONSE_HEADER : PAYMENT_RESPONSE_HEADER;
    context.setHeader(name, encodePaymentResponseHeader(state.settlement));
    return state.settlement;
  }

  /**
   * Answers a repeat of a settled payment with the response it paid for; the handler does not run again.
   * The settlement header is named for the repeat's protocol version (a v1 client reads `X-PAYMENT-RESPONSE`).
   */
  private replay(context: LeaseContext): unknown {
    const { state } = this;
    const snapshot = state.record.response!;
    const settlementHeader = state.payload.x402Version === 1 ? X_PAYMENT_RESPONSE_HEADER : PAYMENT_RESPONSE_HEADER;
    let settled = false;
    for (const [name, value] of Object.entries(snapshot.headers)) {
      const isSettlement = /^(x-)?payment-response$/i.test(name);
      settled ||= isSettlement;
      context.setHeader(isSettlement ? settlementHeader : name, value);
    }
    if (!settled && state.record.state === 'settled' && state.record.transaction) {
      // a settlement found on chain (reconciled) after its request was answered with an error: the snapshot has no header yet
      const network = (state.facilitatorRequirements ?? state.requirements).network as SettleResponse['network'];
      const result: SettleResponse = { success: true, transaction: state.record.transaction, network, payer: state.record.payer };
      context.setHeader(settlementHeader, encodePaymentResponseHeader(result));
    }
    return snapshot.body;
  }
}

/** Makes the lease of each admitted signed payment (and leaves its state on the request, for `@X402Usage`). */
@Injectable()
export class SignedPaymentLeases {
  private readonly logger = new Logger('X402');

  constructor(
    @Inject(PAYMENT_STORE) private readonly store: PaymentClaims,
    @Inject(X402_CONFIG) private readonly config: X402Config,
    private readonly settlement: X402SettlementService,
    private readonly worker: X402OutboxWorker,
    private readonly events: X402Events,
  ) {}

  lease(request: unknown, state: X402RequestState): SignedPaymentLease {
    setRequestState(request, state);
    const { store, config, settlement, worker, events, logger } = this;
    return new SignedPaymentLease(state, { store, config, settlement, worker, events, logger });
  }
}
