import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost } from '@nestjs/core';
import { tap, type Observable } from 'rxjs';
import { takeLease } from '../methods/lease-state.js';
import { applyPaidCacheHeaders, isPriced } from './cache-headers.js';

/**
 * Runs the handler of a priced request under the lease its payment method left on it: the lease
 * settles (or queues, or records) the payment after the handler succeeded and only then releases the
 * response with `PAYMENT-RESPONSE`; a handler error settles nothing. The interceptor knows no payment
 * method and no settlement mode: each lease brings its own.
 */
@Injectable()
export class X402Interceptor implements NestInterceptor {
  constructor(protected readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest();
    if (!isPriced(request)) return next.handle();
    const response = http.getResponse();
    const adapter = this.adapterHost.httpAdapter;
    // Again after the handler: a handler's own `@Header('Cache-Control', ...)` is set after the guard ran.
    const apply = () => applyPaidCacheHeaders(adapter, response);
    const lease = takeLease(request);
    if (!lease) return next.handle().pipe(tap({ next: apply, error: apply }));
    const status = this.statusOf(context, request);
    const setHeader = (name: string, value: string) => adapter.setHeader(response, name, value);
    return lease.run(() => next.handle(), { response, status, setHeader }).pipe(tap({ next: apply, error: apply }));
  }

  /** The status the handler answers with: its `@HttpCode`, else 201 for POST and 200 otherwise. */
  protected statusOf(context: ExecutionContext, request: unknown): number {
    const declared: number | undefined = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler());
    return declared ?? ((this.adapterHost.httpAdapter.getRequestMethod?.(request) ?? 'GET') === 'POST' ? 201 : 200);
  }
}
