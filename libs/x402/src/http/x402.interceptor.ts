import { Inject, Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost } from '@nestjs/core';
import { encodePaymentResponseHeader } from '@x402/core/http';
import type { SettleResponse } from '@x402/core/types';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import { facilitatorFailure } from '../facilitator/facilitator-errors.js';
import { PAYMENT_STORE, type PaymentStore } from '../ledger/payment-store.interface.js';
import { PAYMENT_RESPONSE_HEADER } from '../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { X402ResourceServerHost } from '../x402.resource-server.js';
import { getRequestState, type X402RequestState } from './request-state.js';

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
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const state = context.getType() === 'http' ? getRequestState(context.switchToHttp().getRequest()) : undefined;
    if (!state || state.intercepted) return next.handle();
    state.intercepted = true;
    const response = context.switchToHttp().getResponse();
    const declaredStatus: number | undefined = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler());

    return next.handle().pipe(
      catchError((error) => from(this.store.release(state.record.id)).pipe(mergeMap(() => throwError(() => error)))),
      mergeMap((body) => {
        if (state.settlement) return [body]; // a streaming handler: settled on its first value
        if (declaredStatus !== undefined && declaredStatus >= 400) {
          return from(this.store.release(state.record.id).then(() => body));
        }
        return from(this.settle(state, response).then(() => body));
      }),
    );
  }

  /** Settles the payment and sets `PAYMENT-RESPONSE`; throws (withholding the body) if money did not move. */
  protected async settle(state: X402RequestState, response: unknown): Promise<SettleResponse> {
    const { record } = state;
    if (!(await this.store.markSettling(record.id))) {
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
      const failure = facilitatorFailure(error, 'settle');
      failed.errorReason = failure.code;
      await this.store.markFailed(record.id, failure.code);
      this.logger.warn(`settlement of payment ${record.id} failed: ${failure.code}`);
      throw facilitatorFailure(error, 'settle', this.paymentResponseHeader(response, failed));
    }
    if (!result.success) {
      const code = result.errorReason ?? X402ErrorCode.SettlementFailed;
      await this.store.markFailed(record.id, code);
      this.logger.warn(`settlement of payment ${record.id} was refused: ${code}`);
      throw new X402HttpException(
        402,
        code,
        result.errorMessage ?? `the payment could not be settled: ${code}`,
        { x402Version: 2, accepts: state.offer.requirements },
        this.paymentResponseHeader(response, result),
      );
    }
    await this.store.markSettled(record.id, result.transaction);
    state.settlement = result;
    this.paymentResponseHeader(response, result);
    return result;
  }

  /** Sets `PAYMENT-RESPONSE` on the response and returns it (for an error that sets it again). */
  protected paymentResponseHeader(response: unknown, result: SettleResponse): Record<string, string> {
    const headers = { [PAYMENT_RESPONSE_HEADER]: encodePaymentResponseHeader(result) };
    for (const [name, value] of Object.entries(headers)) this.adapterHost.httpAdapter.setHeader(response, name, value);
    return headers;
  }
}
