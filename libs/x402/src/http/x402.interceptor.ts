import { Inject, Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost } from '@nestjs/core';
import { encodePaymentResponseHeader } from '@x402/core/http';
import type { SettleResponse } from '@x402/core/types';
import { catchError, from, mergeMap, of, throwError, type Observable } from 'rxjs';
import type { X402Config } from '../config/x402.config.js';
import { ledgerCall } from '../ledger/ledger-call.js';
import { facilitatorFailure } from '../facilitator/facilitator-errors.js';
import { PAYMENT_STORE, type PaymentStore } from '../ledger/payment-store.interface.js';
import { PAYMENT_RESPONSE_HEADER } from '../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { X402ResourceServerHost } from '../x402.resource-server.js';
import { X402_CONFIG } from '../x402.tokens.js';
import { getRequestState, type X402RequestState } from './request-state.js';
import { snapshotOf } from './response-snapshot.js';

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
    protected readonly host: X402ResourceServerHost,
    @Inject(PAYMENT_STORE) protected readonly store: PaymentStore,
    @Inject(X402_CONFIG) protected readonly config: X402Config,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const state = context.getType() === 'http' ? getRequestState(context.switchToHttp().getRequest()) : undefined;
    if (!state || state.intercepted) return next.handle();
    state.intercepted = true;
    const http = context.switchToHttp();
    const response = http.getResponse();
    if (state.replay) return of(this.replay(state, response));
    const declaredStatus: number | undefined = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler());
    const method = this.adapterHost.httpAdapter.getRequestMethod?.(http.getRequest()) ?? 'GET';
    const status = declaredStatus ?? (method === 'POST' ? 201 : 200);
    const release = () => this.store.release(state.record.id).catch((error: Error) => this.logger.error(`could not release payment ${state.record.id}: ${error.message}`));

    return next.handle().pipe(
      catchError((error) => from(release()).pipe(mergeMap(() => throwError(() => error)))),
      mergeMap((body) => {
        if (state.settlement) return [body]; // a streaming handler: settled on its first value
        if (status >= 400) return from(release().then(() => body));
        return from(this.settle(state, response, body, status).then(() => body));
      }),
    );
  }

  /** Answers a repeat of a settled payment with the response it paid for; the handler does not run again. */
  protected replay(state: X402RequestState, response: unknown): unknown {
    const snapshot = state.record.response!;
    for (const [name, value] of Object.entries(snapshot.headers)) this.adapterHost.httpAdapter.setHeader(response, name, value);
    return snapshot.body;
  }

  /** Settles the payment and sets `PAYMENT-RESPONSE`; throws (withholding the body) if money did not move. */
  protected async settle(state: X402RequestState, response: unknown, body: unknown, status: number): Promise<SettleResponse> {
    const { record } = state;
    if (!(await ledgerCall(() => this.store.markSettling(record.id)))) {
      throw new X402HttpException(409, X402ErrorCode.PaymentInProgress, 'this payment is already being settled');
    }
    let result: SettleResponse;
    try {
      const server = await this.host.ready();
      result = await server.settlePayment(state.payload, state.requirements);
    } catch (error) {
      const failed: SettleResponse = {
        success: false,
        errorReason: X402ErrorCode.SettlementFailed,
        transaction: '',
        network: state.requirements.network as SettleResponse['network'],
        payer: state.payer,
      };
      failed.errorReason = facilitatorFailure(error, 'settle').code;
      await this.recordFailure(record.id, failed.errorReason);
      throw facilitatorFailure(error, 'settle', this.paymentResponseHeader(response, failed));
    }
    if (!result.success) {
      const code = result.errorReason ?? X402ErrorCode.SettlementFailed;
      await this.recordFailure(record.id, code);
      this.logger.warn(`settlement of payment ${record.id} was refused: ${code}`);
      throw new X402HttpException(
        402,
        code,
        result.errorMessage ?? `the payment could not be settled: ${code}`,
        { x402Version: 2, accepts: state.offer.requirements },
        this.paymentResponseHeader(response, result),
      );
    }
    state.settlement = result;
    const headers = this.paymentResponseHeader(response, result);
    const snapshot = this.config.ledger.snapshots ? snapshotOf(body, status, headers, this.config.ledger.snapshotMaxBytes) : undefined;
    try {
      await this.store.markSettled(record.id, result.transaction, snapshot);
    } catch (error) {
      // Money moved: the client gets what it paid for; the missing receipt must be reconciled from the chain.
      this.logger.error(`payment ${record.id} settled in ${result.transaction} but the ledger could not record it: ${(error as Error).message}`);
    }
    return result;
  }

  private async recordFailure(id: string, code: string): Promise<void> {
    this.logger.warn(`settlement of payment ${id} failed: ${code}`);
    await this.store.markFailed(id, code).catch((error: Error) => this.logger.error(`could not record the failure of payment ${id}: ${error.message}`));
  }

  /** Sets `PAYMENT-RESPONSE` on the response and returns it (for an error that sets it again). */
  protected paymentResponseHeader(response: unknown, result: SettleResponse): Record<string, string> {
    const headers = { [PAYMENT_RESPONSE_HEADER]: encodePaymentResponseHeader(result) };
    for (const [name, value] of Object.entries(headers)) this.adapterHost.httpAdapter.setHeader(response, name, value);
    return headers;
  }
}
