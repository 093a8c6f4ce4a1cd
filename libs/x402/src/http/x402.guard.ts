import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { paymentFacts } from '../events/payment-facts.js';
import { X402Events } from '../events/x402.events.js';
import { admit, isAdmitted, takeLease } from '../methods/lease-state.js';
import { PaymentRefusal, type PaymentAttempt, type PaymentLease } from '../methods/payment-method.js';
import { PaymentMethodRegistry } from '../methods/payment-methods.registry.js';
import { X402_PRICE_METADATA, type PriceMetadata } from '../pricing/price-metadata.js';
import { RoutePricingService } from '../pricing/route-pricing.service.js';
import type { RouteOffer } from '../pricing/route-plan.types.js';
import { X402_VALIDATE_METADATA, type RequestCheck } from '../pricing/validate-before-payment.decorator.js';
import { PAYMENT_PROOF_HEADER, PAYMENT_PROOF_HEADER_ALIAS, PAYMENT_SIGNATURE_HEADER, X_PAYMENT_HEADER } from '../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { X402_CONFIG } from '../x402.tokens.js';
import type { X402Config } from '../config/x402.config.js';
import { applyPaidCacheHeaders, markPriced } from './cache-headers.js';
import { resourceUrlOf } from './resource-url.js';
import { X402Challenges } from './x402-challenges.js';

type HttpRequest = { headers: Record<string, string | string[] | undefined> };

/**
 * Gate of a priced route. It makes the route's plan and offer, then asks the registered payment
 * methods (signed authorization; transaction-hash proof and paid session when their modules are
 * imported) in turn: the first that recognises the request and admits it lets the handler run, with
 * a lease the {@link X402Interceptor} drives. A request no method admits gets the route's 402, with
 * every method's contribution. Each step is a protected method, so an app can subclass the guard
 * and change one of them. `@Priced` binds it (with {@link X402Interceptor}); binding it globally works too.
 *
 * @example
 * providers: [{ provide: APP_GUARD, useClass: X402Guard }]
 */
@Injectable()
export class X402Guard implements CanActivate {
  constructor(
    protected readonly reflector: Reflector,
    protected readonly adapterHost: HttpAdapterHost,
    protected readonly pricing: RoutePricingService,
    @Inject(X402_CONFIG) protected readonly config: X402Config,
    protected readonly methods: PaymentMethodRegistry,
    protected readonly challenges: X402Challenges,
    protected readonly events: X402Events,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const metadata = this.reflector.getAllAndOverride<PriceMetadata | undefined>(X402_PRICE_METADATA, [context.getHandler(), context.getClass()]);
    if (context.getType() !== 'http') {
      if (!metadata || metadata.free) return true;
      // Startup refuses @Priced outside HTTP routes (X402RouteValidator); a guard bound by hand still never lets one through free.
      throw new X402HttpException(501, X402ErrorCode.UnsupportedContext, `x402 prices HTTP routes only; this handler runs in a "${context.getType()}" context`);
    }
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    if (isAdmitted(request)) return true; // bound twice (controller and method): already let in
    if (!metadata || metadata.free) return true;

    await this.validateRequest(context, request); // bad input is the app's answer, not a payment outcome: no event
    const response = http.getResponse();
    // Any answer of a priced route (402, paid response, refusal) is the payer's: never kept by a shared cache.
    markPriced(request);
    applyPaidCacheHeaders(this.adapterHost.httpAdapter, response);
    let attempt: PaymentAttempt | undefined;
    try {
      const plan = this.pricing.planFor(context.getClass(), context.getHandler(), metadata);
      const offer = await this.pricing.offerFor(plan, request);
      attempt = { request, plan, offer, resourceUrl: this.resourceUrl(request) };
      // HEAD delivers no content: it gets the price, and a payment it carries is never taken.
      if (this.isHead(request)) throw await this.challenges.challenge(plan, offer, attempt.resourceUrl);
      let refusal: { code: string; message: string } | undefined;
      for (const method of this.methods.all()) {
        if (!method.recognises(request, plan)) continue;
        const admission = await method.admit(attempt);
        if (!admission.admitted) {
          refusal = admission; // e.g. a sign-in that does not open the route: the next method may still take a payment
          continue;
        }
        admit(request, admission.lease);
        if (admission.lease) this.abortWhenUnanswered(request, response, admission.lease);
        return true;
      }
      throw await this.challenges.challenge(plan, await this.quote(attempt), attempt.resourceUrl, refusal?.code, refusal?.message ?? this.challenges.describePrice(offer));
    } catch (error) {
      const refused = error instanceof PaymentRefusal ? await this.refusal(attempt!, error) : error;
      if (refused instanceof X402HttpException) this.applyHeaders(response, refused.headers);
      this.reportRefusal(request, context, metadata, refused, attempt);
      throw refused;
    }
  }

  /** Whether the request is a HEAD (Express and Fastify route it to the GET handler, whose body is then dropped). */
  protected isHead(request: HttpRequest): boolean {
    return this.adapterHost.httpAdapter.getRequestMethod?.(request)?.toUpperCase() === 'HEAD';
  }

  /**
   * Runs the route's {@link ValidateBeforePayment} check, so that input the handler would refuse is
   * refused before a payment is asked for, claimed or verified (its `HttpException` is the answer).
   */
  protected async validateRequest(context: ExecutionContext, request: HttpRequest): Promise<void> {
    const check = this.reflector.getAllAndOverride<RequestCheck | undefined>(X402_VALIDATE_METADATA, [context.getHandler(), context.getClass()]);
    if (check) await check(request);
  }

  /** The offer of a 402 without payment, with what each method adds (transaction-hash quotes). */
  protected async quote(attempt: PaymentAttempt): Promise<RouteOffer> {
    let offer = attempt.offer;
    for (const method of this.methods.all()) if (method.quote) offer = await method.quote(attempt, offer);
    return offer;
  }

  /** The 402 of a payment a method refused: the route's requirements, the method's code, message and extras. */
  protected async refusal(attempt: PaymentAttempt, refusal: PaymentRefusal): Promise<X402HttpException> {
    const { offer, body, headers } = refusal.options;
    const exception = await this.challenges.challenge(attempt.plan, offer ?? attempt.offer, attempt.resourceUrl, refusal.code, refusal.message);
    if (headers) Object.assign(exception.headers, headers);
    if (body) Object.assign(exception.getResponse() as Record<string, unknown>, body);
    return exception;
  }

  /**
   * Aborts the lease if the request ends before the interceptor took it: a global interceptor that
   * answered from its cache, an exception filter, a later guard, a client that went away. The claim
   * is given back, so no `verified` record outlives its request.
   */
  protected abortWhenUnanswered(request: HttpRequest, response: unknown, lease: PaymentLease): void {
    const raw = ((response as { raw?: unknown }).raw ?? response) as { once?: (event: string, listener: () => void) => void };
    raw.once?.('close', () => {
      if (takeLease(request) === lease) void lease.abort('request_ended');
    });
  }

  /**
   * The absolute URL of the requested resource: the configured public URL, else the request's
   * validated origin, then the routed path and query (see {@link resourceUrlOf}).
   */
  protected resourceUrl(request: HttpRequest): string {
    return resourceUrlOf(request, this.adapterHost.httpAdapter.getRequestUrl(request), this.config.publicUrl);
  }

  /**
   * Publishes why a priced request was not let through: a `challenge` when it carried no payment,
   * else a `failed` event at stage `verify` with the error's code (and the payment's facts once it was claimed).
   */
  protected reportRefusal(request: HttpRequest, context: ExecutionContext, metadata: PriceMetadata, error: unknown, attempt?: PaymentAttempt): void {
    if (!(error instanceof X402HttpException) || metadata.free) return;
    let route = attempt?.claimed?.route ?? attempt?.plan.route;
    try {
      route ??= this.pricing.planFor(context.getClass(), context.getHandler(), metadata).route;
    } catch {
      route = 'unknown';
    }
    const status = error.getStatus();
    const paid = [PAYMENT_SIGNATURE_HEADER, X_PAYMENT_HEADER, PAYMENT_PROOF_HEADER, PAYMENT_PROOF_HEADER_ALIAS].some((name) => request.headers[name] !== undefined);
    if (!paid && status === 402) this.events.emit({ type: 'challenge', route, reason: error.code });
    else this.events.emit({ type: 'failed', stage: 'verify', reason: error.code, status, ...(attempt?.claimed ? paymentFacts(attempt.claimed) : {}), route });
  }

  protected applyHeaders(response: unknown, headers: Record<string, string>): void {
    for (const [name, value] of Object.entries(headers)) this.adapterHost.httpAdapter.setHeader(response, name, value);
  }
}
