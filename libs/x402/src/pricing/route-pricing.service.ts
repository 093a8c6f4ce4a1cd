import { HttpException, Inject, Injectable, Logger, RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import type { PaymentRequired, PaymentRequirements } from '@x402/core/types';
import { declarePaymentIdentifierExtension, PAYMENT_IDENTIFIER } from '@x402/extensions/payment-identifier';
import { checkAddress, type X402Config } from '../config/x402.config.js';
import { routeExtensions } from '../discovery/route-extensions.js';
import type { SettlementMode } from '../x402.settlement-mode.js';
import { parseAccessWindow } from './access-window.js';
import { X402ConfigError, X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { X402ResourceServerHost } from '../x402.resource-server.js';
import { X402_CONFIG } from '../x402.tokens.js';
import { parseUsdAmount, PriceError, quotePrice, type DynamicPrice, type Quote, type StaticPrice } from './price.js';
import type { PriceMetadata, PricedOptions } from './price-metadata.js';
import type { RouteOffer, RoutePlan } from './route-plan.types.js';

export type { RouteOffer, RoutePlan };
import { isUpToPrice } from '../upto/upto-price.js';

function joinPath(...parts: unknown[]): string {
  const segments = parts
    .flatMap((p) => (Array.isArray(p) ? [p[0]] : [p]))
    .filter((p): p is string => typeof p === 'string')
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean);
  return `/${segments.join('/')}`;
}

/**
 * Turns `@Priced` metadata into payment requirements. Static prices are validated when the plan
 * is made (so a bad price fails the boot) and their requirements are built once per route.
 */
@Injectable()
export class RoutePricingService {
  private readonly logger = new Logger('X402');
  private readonly plans = new WeakMap<Function, RoutePlan>();

  constructor(
    @Inject(X402_CONFIG) private readonly config: X402Config,
    private readonly host: X402ResourceServerHost,
  ) {}

  /** The plan of a handler; made on first call and cached. Throws {@link X402ConfigError} on a bad price. */
  planFor(controller: Type<unknown>, handler: Function, metadata: Exclude<PriceMetadata, { free: true }>): RoutePlan {
    let plan = this.plans.get(handler);
    if (plan) return plan;
    const where = `@Priced on ${controller.name}.${handler.name}`;
    const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) ?? RequestMethod.GET] ?? 'GET';
    const route = `${method} ${joinPath(Reflect.getMetadata(PATH_METADATA, controller), Reflect.getMetadata(PATH_METADATA, handler))}`;
    const { price, options } = metadata;
    const payTo = options.payTo ? checkAddress(`${where}: payTo`, options.payTo) : this.config.payTo;
    const maxTimeoutSeconds = options.maxTimeoutSeconds ?? this.config.maxTimeoutSeconds;
    if (!Number.isSafeInteger(maxTimeoutSeconds) || maxTimeoutSeconds <= 0) {
      throw new X402ConfigError(`${where}: maxTimeoutSeconds`, 'must be a positive integer');
    }
    if (options.settlement !== undefined && !['authorization', 'upfront', 'deferred'].includes(options.settlement)) {
      throw new X402ConfigError(`${where}: settlement`, `must be authorization, upfront or deferred, got ${JSON.stringify(options.settlement)}`);
    }
    plan = { route, options, payTo, maxTimeoutSeconds, settlement: options.settlement };
    if (options.access !== undefined) {
      try {
        plan.accessMs = parseAccessWindow(options.access);
      } catch (error) {
        throw new X402ConfigError(`${where}: access`, (error as Error).message);
      }
    }
    const extensions = routeExtensions(controller, handler, method, route.slice(method.length + 1), this.host.server);
    if (extensions) plan.extensions = extensions;
    if (options.txProof) {
      const txProof = this.txProofPlan(where, isUpToPrice(price));
      if (txProof) plan.txProof = txProof;
    }
    if (typeof price !== 'function' && (options.min !== undefined || options.max !== undefined)) {
      throw new X402ConfigError(`${where}: min/max`, 'price bounds are for a price function; a fixed or usage price is its own bound');
    }
    if (isUpToPrice(price)) {
      // The amount is known only once the handler ran: settle after it, whatever the module's default mode.
      if (options.settlement !== undefined && options.settlement !== 'authorization') {
        throw new X402ConfigError(`${where}: settlement`, 'a usage price ({ upTo }) settles after the handler; leave settlement unset or use "authorization"');
      }
      plan.scheme = 'upto';
      plan.settlement = 'authorization';
      try {
        if (typeof price.upTo === 'function') throw new PriceError('upTo must be a USD amount or { amount, asset }, not a function');
        plan.quotes = quotePrice(price.upTo, this.config.accepted);
      } catch (error) {
        throw new X402ConfigError(`${where}: upTo`, (error as Error).message);
      }
    } else if (typeof price === 'function') {
      plan.dynamic = price;
      const bounds = this.priceBounds(where, options);
      if (bounds) plan.bounds = bounds;
    } else {
      try {
        plan.quotes = quotePrice(price, this.config.accepted);
      } catch (error) {
        throw new X402ConfigError(where, (error as Error).message);
      }
    }
    this.plans.set(handler, plan);
    return plan;
  }

  /** The requirements and challenge for this request: cached for static prices, computed for dynamic ones. */
  async offerFor(plan: RoutePlan, request: unknown): Promise<RouteOffer> {
    if (plan.quotes) {
      plan.offer ??= this.buildOffer(plan, plan.quotes);
      // A failed build (facilitator down) is retried by the next request.
      return plan.offer.catch((error) => {
        plan.offer = undefined;
        throw error;
      });
    }
    return this.buildOffer(plan, await this.dynamicQuotes(plan, request));
  }

  private async dynamicQuotes(plan: RoutePlan, request: unknown): Promise<Quote[]> {
    let price: StaticPrice;
    try {
      price = await plan.dynamic!(request);
    } catch (error) {
      if (error instanceof HttpException) throw error;
      throw new X402HttpException(500, X402ErrorCode.PriceResolutionFailed, `the price of ${plan.route} could not be computed`);
    }
    let quotes: Quote[];
    try {
      quotes = quotePrice(price, this.config.accepted);
    } catch (error) {
      const detail = error instanceof PriceError ? `: ${error.message}` : '';
      throw new X402HttpException(500, X402ErrorCode.PriceResolutionFailed, `the price of ${plan.route} is invalid${detail}`);
    }
    if (plan.bounds && quotes.some((q) => !this.withinBounds(q, plan.bounds!))) {
      // The published bounds are a promise to agents that budget on them: never charge outside them.
      const { min, max } = plan.bounds;
      throw new X402HttpException(500, X402ErrorCode.PriceResolutionFailed, `the price of ${plan.route} is outside its declared bounds (${min ?? '0'} to ${max ?? 'unbounded'} USD)`);
    }
    return quotes;
  }

  private withinBounds(quote: Quote, { min, max }: NonNullable<RoutePlan['bounds']>): boolean {
    const { decimals } = quote.asset;
    return (min === undefined || quote.amount >= parseUsdAmount(min, decimals)) && (max === undefined || quote.amount <= parseUsdAmount(max, decimals));
  }

  /** The `min`/`max` of a price function, validated as USD amounts every accepted token can express, `min` not above `max`. */
  private priceBounds(where: string, { min, max }: PricedOptions): RoutePlan['bounds'] {
    if (min === undefined && max === undefined) return undefined;
    const atomic: Record<string, bigint[]> = {};
    for (const [name, value] of Object.entries({ min, max })) {
      if (value === undefined) continue;
      if (typeof value !== 'string') throw new X402ConfigError(`${where}: ${name}`, `must be a USD amount as a string (e.g. '0.001'), got ${JSON.stringify(value)}`);
      try {
        atomic[name] = this.config.accepted.map((a) => parseUsdAmount(value, a.asset.decimals));
      } catch (error) {
        throw new X402ConfigError(`${where}: ${name}`, (error as Error).message);
      }
    }
    if (atomic.min && atomic.max && atomic.min.some((m, i) => m > atomic.max[i])) {
      throw new X402ConfigError(`${where}: min`, `must not be above max (${min} > ${max})`);
    }
    return { ...(min !== undefined ? { min: min.replace(/^\$/, '') } : {}), ...(max !== undefined ? { max: max.replace(/^\$/, '') } : {}) };
  }

  /** Extensions every 402 declares: `payment-identifier` (idempotency ids, required or optional), and the route's own (`bazaar`). */
  protected declaredExtensions(plan?: RoutePlan): Record<string, unknown> {
    return { ...plan?.extensions, [PAYMENT_IDENTIFIER]: declarePaymentIdentifierExtension(this.config.idempotency.required) };
  }

  /**
   * The transaction-hash proof policy of a `txProof` route. Without a JSON-RPC URL for any accepted
   * network there is no chain to check transfers on: the route keeps its signed payments only, and
   * the boot says so (proofs are an extra way to pay, not the route's price).
   */
  private txProofPlan(where: string, usage: boolean): RoutePlan['txProof'] {
    if (usage) throw new X402ConfigError(`${where}: txProof`, 'a usage price ({ upTo }) cannot be paid by a transaction hash');
    const { confirmations, ttlSeconds } = this.config.proofs;
    if (Object.keys(confirmations).length === 0) {
      this.logger.warn(`${where}: txProof is off: no JSON-RPC URL of an accepted network to check transactions with (set settlement.rpcUrls)`);
      return undefined;
    }
    return { confirmations, ttlSeconds };
  }

  private async buildOffer(plan: RoutePlan, quotes: Quote[]): Promise<RouteOffer> {
    const server = await this.host.ready();
    const requirements: PaymentRequirements[] = [];
    const scheme = plan.scheme ?? 'exact';
    for (const quote of quotes) {
      if (scheme !== 'exact' && !server.getSupportedKind(2, quote.network, scheme)) {
        throw new X402HttpException(503, X402ErrorCode.FacilitatorUnavailable, `the payment facilitator does not support the ${scheme} scheme on ${quote.network}`, {}, { 'Retry-After': '30' });
      }
      const built = await server.buildPaymentRequirements({
        scheme,
        network: quote.network,
        payTo: plan.payTo,
        maxTimeoutSeconds: plan.maxTimeoutSeconds,
        price: {
          amount: quote.amount.toString(),
          asset: quote.asset.address,
          extra: { name: quote.asset.name, version: quote.asset.version },
        },
      });
      requirements.push(...built);
    }
    const challenge = await server.createPaymentRequiredResponse(
      requirements,
      { url: '', description: plan.options.description ?? '', mimeType: plan.options.mimeType ?? '' },
      undefined,
      this.declaredExtensions(plan),
    );
    return { quotes, requirements, challenge };
  }
}
