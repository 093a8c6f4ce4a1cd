import { Injectable } from '@nestjs/common';
import { PaymentMethodRegistry } from '../methods/payment-methods.registry.js';
import { formatAtomic } from '../pricing/price.js';
import type { RouteOffer, RoutePlan } from '../pricing/route-plan.types.js';
import { PAYMENT_REQUIRED_HEADER } from '../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { X402ResourceServerHost } from '../x402.resource-server.js';
import { PAID_CACHE_CONTROL } from './cache-headers.js';
import { ChallengeCache, type BuiltChallenge } from './challenge-cache.js';
import { encodePaymentRequired } from './header-encoding.js';
import { toV1Requirements } from '../protocol/v1-compat.js';

/**
 * Builds the 402 of a priced route: the `PAYMENT-REQUIRED` header (x402 v2) and a JSON body that v1
 * clients can pay from: `{ x402Version: 1, error: code, message, accepts: [v1 requirements] }` where
 * an accepted network has a v1 name the facilitator takes; otherwise the v2 `PaymentRequired` with
 * `error: code, message`. Either way `error` is the stable code and `message` says why. Each payment
 * method may add extensions (a paid session's `sign-in-with-x`).
 */
@Injectable()
export class X402Challenges {
  /** 402s of statically priced routes, per offer and URL. */
  private readonly cache = new ChallengeCache();
  /** The price text of each offer's 402 message, per facilitator generation (v1 support may change). */
  private readonly priceTexts = new WeakMap<RouteOffer, { generation: number; text: string }>();

  constructor(
    private readonly host: X402ResourceServerHost,
    private readonly methods: PaymentMethodRegistry,
  ) {}

  /** The 402 for `url` with `code` and `message` (the default message states the price). */
  async challenge(plan: RoutePlan, offer: RouteOffer, url: string, code: string = X402ErrorCode.PaymentRequired, message?: string): Promise<X402HttpException> {
    const extensions = await this.extensionsFor(plan, offer, url);
    // A static price without method extensions gives the same 402 for a URL every time: built once.
    const built =
      code === X402ErrorCode.PaymentRequired && plan.quotes && !extensions
        ? this.cache.get(offer, `${this.host.generation} ${url}`, () => this.build(offer, code, url, extensions))
        : this.build(offer, code, url, extensions);
    // An expected answer, not a fault: its stack is never shown, and capturing one was a tenth of a 402's CPU.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new X402HttpException(402, code, message ?? this.describePrice(offer), built.body, {
        [PAYMENT_REQUIRED_HEADER]: built.header,
        'Cache-Control': PAID_CACHE_CONTROL,
      });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }

  /** What a 402 says of the price: each option, and how to pay. */
  describePrice(offer: RouteOffer): string {
    const known = this.priceTexts.get(offer);
    if (known?.generation === this.host.generation) return known.text;
    const options = offer.quotes.map((q) => `${formatAtomic(q.amount, q.asset.decimals)} ${q.asset.symbol} on ${q.network}`);
    const how = offer.requirements.some((r) => r.scheme === 'exact' && this.host.acceptsV1(r.network))
      ? 'Sign one of the requirements of the PAYMENT-REQUIRED header and send it in PAYMENT-SIGNATURE (x402 v2), or one of "accepts" in X-PAYMENT (x402 v1).'
      : 'Sign one of "accepts" and send it in the PAYMENT-SIGNATURE header.';
    const text = `payment required: ${options.join(' or ')}. ${how}`;
    this.priceTexts.set(offer, { generation: this.host.generation, text });
    return text;
  }

  private async extensionsFor(plan: RoutePlan, offer: RouteOffer, url: string): Promise<Record<string, unknown> | undefined> {
    let extensions: Record<string, unknown> | undefined;
    for (const method of this.methods.all()) {
      if (!method.extensions) continue;
      const own = await method.extensions(plan, url, offer.requirements.map((r) => r.network));
      if (own && Object.keys(own).length > 0) extensions = { ...extensions, ...own };
    }
    return extensions;
  }

  private build(offer: RouteOffer, code: string, url: string, extensions: Record<string, unknown> | undefined): BuiltChallenge {
    const paymentRequired = {
      ...offer.challenge,
      error: code === X402ErrorCode.PaymentRequired ? 'Payment required' : code,
      resource: { ...offer.challenge.resource, url },
      ...(extensions ? { extensions: { ...offer.challenge.extensions, ...extensions } } : {}),
    };
    const v1Accepts = offer.requirements
      .filter((r) => r.scheme === 'exact' && this.host.acceptsV1(r.network))
      .map((r) => toV1Requirements(r, paymentRequired.resource))
      .filter((r) => r !== undefined);
    const body =
      v1Accepts.length > 0
        ? { x402Version: 1, accepts: v1Accepts }
        : { x402Version: 2, resource: paymentRequired.resource, accepts: paymentRequired.accepts, ...(paymentRequired.extensions ? { extensions: paymentRequired.extensions } : {}) };
    return { header: encodePaymentRequired(paymentRequired), body };
  }
}
