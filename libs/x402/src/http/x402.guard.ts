import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import type { PaymentPayloadV1 } from '@x402/core/schemas';
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types';
import { extractPaymentIdentifier, isValidPaymentId } from '@x402/extensions/payment-identifier';
import { createHash, timingSafeEqual } from 'node:crypto';
import { getAddress } from 'viem';
import type { X402Config } from '../config/x402.config.js';
import { outageEvent } from '../events/outage-event.js';
import { paymentFacts } from '../events/payment-facts.js';
import { X402Events } from '../events/x402.events.js';
import { facilitatorFailure } from '../facilitator/facilitator-errors.js';
import { reasonCode, safeMessage } from '../facilitator/failure-reason.js';
import { ledgerCall } from '../ledger/ledger-call.js';
import { PAYMENT_STORE, type DeferredCaps, type PaymentClaim, type PaymentRecord, type PaymentStore, type SettlementMode } from '../ledger/payment-store.interface.js';
import { X402SettlementService } from '../settlement/settlement.service.js';
import { formatAtomic } from '../pricing/price.js';
import { X402_PRICE_METADATA, type PriceMetadata } from '../pricing/price-metadata.js';
import { X402_VALIDATE_METADATA, type RequestCheck } from '../pricing/validate-before-payment.decorator.js';
import { RoutePricingService } from '../pricing/route-pricing.service.js';
import type { RouteOffer, RoutePlan } from '../pricing/route-plan.types.js';
import { PAYMENT_PROOF_HEADER, PAYMENT_REQUIRED_HEADER, PAYMENT_SIGNATURE_HEADER, X_PAYMENT_HEADER } from '../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { X402ResourceServerHost } from '../x402.resource-server.js';
import { X402_CONFIG } from '../x402.tokens.js';
import { applyPaidCacheHeaders, markPriced, PAID_CACHE_CONTROL } from './cache-headers.js';
import { ChallengeCache, type BuiltChallenge } from './challenge-cache.js';
import { encodePaymentRequired } from './header-encoding.js';
import { resourceUrlOf } from './resource-url.js';
import { decodePaymentHeader, readPaymentHeader, type DecodedPayment } from './payment-header.codec.js';
import { isPayerSignature } from './payment-signature.js';
import { PaidAccessService } from '../sessions/paid-access.service.js';
import { getRequestState, setRequestState } from './request-state.js';
import { toV1Requirements, v1NetworkName } from './v1-compat.js';
import { readPaymentProof } from '../proofs/payment-proof.codec.js';
import { X402ProofErrorCode } from '../proofs/proof-errors.js';
import { getProofClaim, setProofClaim } from '../proofs/proof-request-state.js';
import { TxProofService } from '../proofs/tx-proof.service.js';

type HttpRequest = { headers: Record<string, string | string[] | undefined> };

/** A payment whose response went out: settled, or served in deferred mode (waiting for settlement, or failed unpaid). */
function served(record: PaymentRecord): boolean {
  return record.state === 'settled' || (record.mode === 'deferred' && (record.state === 'queued' || record.state === 'settling' || record.state === 'failed'));
}

/** Constant-time equality of two idempotency ids (compared as SHA-256 digests, so lengths leak nothing either). */
function sameId(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Fewest characters of an idempotency id: 22 base64url characters carry 128 bits, so an id cannot be guessed. */
const MIN_ID_LENGTH = 22;

/** Request header of a `sign-in-with-x` proof (Node lower-cases header names). */
const SIGN_IN_HEADER = 'sign-in-with-x';

/**
 * Gate of a priced route: answers 402 with the payment requirements when no payment is sent,
 * and otherwise decodes, matches, claims and verifies the payment before the handler runs.
 * Each step is a protected method, so an app can subclass the guard and change one of them.
 * `@Priced` binds it (with {@link X402Interceptor}); binding it globally works too.
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
    protected readonly host: X402ResourceServerHost,
    @Inject(X402_CONFIG) protected readonly config: X402Config,
    @Inject(PAYMENT_STORE) protected readonly store: PaymentStore,
    protected readonly access: PaidAccessService,
    protected readonly settlement: X402SettlementService,
  ) {}

  /** Where payment outcomes are published (property-injected, so subclasses keep their constructors). */
  @Inject(X402Events) protected readonly events: X402Events;

  /** Transaction-hash proofs of `txProof` routes (property-injected, so subclasses keep their constructors). */
  @Inject(TxProofService) protected readonly proofs: TxProofService;

  /** 402s of statically priced routes, per offer and URL. */
  private readonly challenges = new ChallengeCache();
  /** The price text of each offer's 402 message, per facilitator generation (v1 support may change). */
  private readonly priceTexts = new WeakMap<RouteOffer, { generation: number; text: string }>();

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const metadata = this.reflector.getAllAndOverride<PriceMetadata | undefined>(X402_PRICE_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (context.getType() !== 'http') {
      if (!metadata || metadata.free) return true;
      // Startup refuses @Priced outside HTTP routes (X402RouteValidator); a guard bound by hand still never lets one through free.
      throw new X402HttpException(501, X402ErrorCode.UnsupportedContext, `x402 prices HTTP routes only; this handler runs in a "${context.getType()}" context`);
    }
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    if (getRequestState(request) || getProofClaim(request)) return true; // bound twice (controller and method): already verified
    if (!metadata || metadata.free) return true;

    await this.validateRequest(context, request); // bad input is the app's answer, not a payment outcome: no event
    const response = http.getResponse();
    // Any answer of a priced route (402, paid response, refusal) is the payer's: never kept by a shared cache.
    markPriced(request);
    applyPaidCacheHeaders(this.adapterHost.httpAdapter, response);
    let attempt: PaymentRecord | undefined; // the claimed payment, for the event of a refusal
    try {
      const plan = this.pricing.planFor(context.getClass(), context.getHandler(), metadata);
      const offer = await this.pricing.offerFor(plan, request);
      // HEAD delivers no content: it gets the price, and a payment it carries is never taken.
      if (this.isHead(request)) throw this.challenge(request, plan, offer, X402ErrorCode.PaymentRequired, this.describePrice(offer));
      const header = readPaymentHeader(request.headers);
      const proof = plan.txProof ? readPaymentProof(request.headers) : undefined;
      if (proof !== undefined) return await this.payWithProof(request, plan, offer, proof, header !== undefined);
      const signIn = plan.accessMs ? request.headers[SIGN_IN_HEADER] : undefined;
      if (typeof signIn === 'string') {
        const decision = await this.access.decide(signIn, plan, this.resourceUrl(request));
        if (decision.granted) return true; // a paid session: the handler runs, nothing is charged
        if (header === undefined) throw this.challenge(request, plan, await this.quoteProofs(request, plan, offer), decision.code, decision.message);
      }
      if (header === undefined) {
        throw this.challenge(request, plan, await this.quoteProofs(request, plan, offer), X402ErrorCode.PaymentRequired, this.describePrice(offer));
      }
      const decoded = decodePaymentHeader(header, this.config.maxPaymentHeaderBytes);
      const requirements = await this.matchRequirements(offer, decoded);
      if (!requirements) {
        throw this.challenge(
          request,
          plan,
          offer,
          X402ErrorCode.RequirementsMismatch,
          'the payment does not match any of this route\'s requirements (scheme, network, amount, asset, payTo); sign one of "accepts" as given',
        );
      }
      const facilitatorRequirements = this.facilitatorRequirements(request, offer, requirements, decoded);
      const identifier = this.paymentIdentifier(request, decoded.payload);
      const quote = offer.quotes.find((q) => q.network === requirements.network);
      const mode = await this.settlement.modeFor(plan, requirements, getAddress(decoded.authorization.from), decoded.authorization.validBefore);
      const deferredCaps = mode === 'deferred' ? this.settlement.deferredCaps(quote?.asset.decimals ?? 6) : undefined;
      // A signature not proven here (forged, or a smart wallet's) goes to the facilitator before the
      // ledger is looked at: an unproven request never gets a stored response, never learns whether a
      // payment or an idempotency id is known, and never changes a record.
      const signed = await this.isPayerSignature(requirements, decoded);
      if (!signed) await this.verify(request, plan, offer, facilitatorRequirements, decoded);
      const verifyNow = signed ? () => this.verify(request, plan, offer, facilitatorRequirements, decoded) : undefined;
      const claimed = await this.claim(request, plan, requirements, decoded, identifier, mode, verifyNow, deferredCaps);
      const validBefore = decoded.authorization.validBefore;
      const payer = claimed.payer;
      if ('replay' in claimed) {
        setRequestState(request, { plan, offer, payload: decoded.payload, requirements, facilitatorRequirements, payer, validBefore, record: claimed.replay, replay: true });
        this.events.emit({ type: 'replayed', ...paymentFacts(claimed.replay) });
        return true;
      }
      attempt = claimed.record;
      if (!claimed.verified) {
        try {
          await this.verify(request, plan, offer, facilitatorRequirements, decoded);
        } catch (error) {
          await this.store.release(claimed.record.id).catch(() => undefined);
          throw error;
        }
      }
      setRequestState(request, { plan, offer, payload: decoded.payload, requirements, facilitatorRequirements, payer, validBefore, record: claimed.record });
      this.events.emit({ type: 'verified', ...paymentFacts(claimed.record) });
      return true;
    } catch (error) {
      if (error instanceof X402HttpException) this.applyHeaders(response, error.headers);
      this.reportRefusal(request, context, metadata, error, attempt);
      throw error;
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

  /**
   * The offer of a 402 without payment: for a `txProof` route, with fresh transaction-hash quotes
   * (each with its own payment reference) appended to `accepts`.
   */
  protected quoteProofs(request: HttpRequest, plan: RoutePlan, offer: RouteOffer): Promise<RouteOffer> {
    return plan.txProof ? this.proofs.quote(plan, offer, this.resourceUrl(request)) : Promise.resolve(offer);
  }

  /**
   * Lets a request in on a transaction-hash proof (`X-PAYMENT-PROOF`): the transfer is checked on
   * chain and, once confirmed, held by this request while its handler runs (the interceptor records
   * or releases it). A transfer not yet confirmed is a 402 `payment_pending` with `Retry-After`; a
   * transaction already used is a 409 `payment_already_used`.
   */
  protected async payWithProof(request: HttpRequest, plan: RoutePlan, offer: RouteOffer, header: string, signed: boolean): Promise<boolean> {
    if (signed) throw new X402HttpException(400, X402ErrorCode.InvalidPaymentHeader, 'send either a signed payment or X-PAYMENT-PROOF, not both');
    const decision = await this.proofs.check(header, plan, this.resourceUrl(request));
    if (decision.granted) {
      if (decision.claim) setProofClaim(request, decision.claim);
      return true;
    }
    const headers: Record<string, string> = decision.retryAfter ? { 'Retry-After': String(decision.retryAfter) } : {};
    if (decision.status === 409) throw new X402HttpException(409, decision.code, decision.message, decision.proof ? { proof: decision.proof } : {}, headers);
    // A pending payment keeps its reference; any other refusal comes with fresh quotes to pay again.
    const quoted = decision.code === X402ProofErrorCode.Pending ? offer : await this.quoteProofs(request, plan, offer);
    const refusal = this.challenge(request, plan, quoted, decision.code, decision.message);
    Object.assign(refusal.headers, headers);
    if (decision.proof) (refusal.getResponse() as Record<string, unknown>).proof = decision.proof;
    throw refusal;
  }

  /**
   * The route's requirement a payment is for, or `undefined` if it matches none. A v2 payment names
   * it in `accepted` (compared field by field); a v1 payment names only its scheme and v1 network,
   * so it matches that network's requirement, offered to v1 clients only where the facilitator takes
   * v1 payments (amount, asset and recipient are then checked by the facilitator's verification).
   */
  protected async matchRequirements(offer: RouteOffer, decoded: DecodedPayment): Promise<PaymentRequirements | undefined> {
    const server = await this.host.ready();
    if (decoded.x402Version === 2) return server.findMatchingRequirements(offer.requirements, decoded.payload);
    const { scheme, network } = decoded.payload as unknown as PaymentPayloadV1;
    // x402 v1 has the exact scheme only (a usage-priced route has no v1 offer).
    return offer.requirements.find((r) => r.scheme === 'exact' && r.scheme === scheme && v1NetworkName(r.network) === network && this.host.acceptsV1(r.network));
  }

  /** The requirements the facilitator checks a payment against: as matched for v2, their v1 form for v1. */
  protected facilitatorRequirements(request: HttpRequest, offer: RouteOffer, requirements: PaymentRequirements, decoded: DecodedPayment): PaymentRequirements {
    if (decoded.x402Version === 2) return requirements;
    const resource = { ...offer.challenge.resource, url: this.resourceUrl(request) };
    return toV1Requirements(requirements, resource) as unknown as PaymentRequirements;
  }

  /**
   * Whether the payment carries the payer's own signature of its authorization, checked locally
   * (see {@link isPayerSignature}). When false, the facilitator verifies it before the claim.
   */
  protected isPayerSignature(requirements: PaymentRequirements, decoded: DecodedPayment): Promise<boolean> {
    return isPayerSignature(requirements, decoded);
  }

  /**
   * The client's idempotency id: the `payment-identifier` extension of the payload, else the
   * `Idempotency-Key` header. Required and missing, or malformed, is a 400.
   */
  protected paymentIdentifier(request: HttpRequest, payload: PaymentPayload): string | undefined {
    const fromPayload = extractPaymentIdentifier(payload, false) ?? undefined;
    if (fromPayload !== undefined && (!isValidPaymentId(fromPayload) || fromPayload.length < MIN_ID_LENGTH)) {
      throw new X402HttpException(400, X402ErrorCode.InvalidIdempotencyKey, `the payment-identifier id must be ${MIN_ID_LENGTH} to 128 characters of letters, digits, "_" or "-" (at least 128 random bits)`);
    }
    const header = request.headers['idempotency-key'];
    if (Array.isArray(header)) throw new X402HttpException(400, X402ErrorCode.InvalidIdempotencyKey, 'send at most one Idempotency-Key header');
    if (header !== undefined && !/^[\x21-\x7e]{22,255}$/.test(header)) {
      throw new X402HttpException(400, X402ErrorCode.InvalidIdempotencyKey, `Idempotency-Key must be ${MIN_ID_LENGTH} to 255 visible ASCII characters (at least 128 random bits, e.g. a UUID)`);
    }
    const id = fromPayload ?? header;
    if (id === undefined && this.config.idempotency.required) {
      throw new X402HttpException(400, X402ErrorCode.PaymentIdentifierRequired, 'this API requires a payment identifier (payment-identifier extension or Idempotency-Key header)');
    }
    return id;
  }

  /**
   * Claims the authorization in the store so that it serves one request only. A repeat of a payment
   * that is still in flight waits for it briefly; a repeat of a settled payment replays its response.
   * `verifyNow` is given when the facilitator has not verified the payment yet: a failed record
   * (of the key, or holding the idempotency id) is then taken over only after it succeeds, so that
   * no unverified request ever changes or erases one. `verified` says whether the claim is verified.
   */
  protected async claim(
    request: HttpRequest,
    plan: RoutePlan,
    requirements: PaymentRequirements,
    decoded: DecodedPayment,
    paymentIdentifier: string | undefined,
    mode: SettlementMode = 'authorization',
    verifyNow?: () => Promise<void>,
    deferredCaps?: DeferredCaps,
  ): Promise<{ record: PaymentRecord; payer: string; verified: boolean } | { replay: PaymentRecord; payer: string }> {
    const { from, nonce } = decoded.authorization;
    const payer = getAddress(from);
    const claim: PaymentClaim = {
      key: `${requirements.network}:${requirements.asset}:${from}:${nonce}`.toLowerCase(),
      network: requirements.network,
      asset: requirements.asset,
      payer,
      payTo: requirements.payTo,
      amount: requirements.amount,
      scheme: requirements.scheme,
      route: plan.route,
      resourceUrl: this.resourceUrl(request),
      nonce,
      paymentIdentifier,
      mode,
    };
    let retryFailed = verifyNow === undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      const result = await ledgerCall(() => this.store.claim(claim, { retryFailed, deferredCaps }));
      if (result.claimed) return { record: result.record, payer, verified: retryFailed };
      if (result.existing.state === 'failed' && !retryFailed) {
        await verifyNow!(); // refused: a 402, and the failed record stays as it is
        retryFailed = true;
        continue;
      }
      if (result.conflict === 'identifier') {
        throw new X402HttpException(409, X402ErrorCode.IdempotencyKeyReused, 'this idempotency id was already used with a different payment');
      }
      const existing = served(result.existing) ? result.existing : await this.waitForOutcome(claim.key);
      if (existing && served(existing)) {
        if (this.mayReplay(existing, plan, claim)) return { replay: existing, payer };
        throw new X402HttpException(402, X402ErrorCode.PaymentAlreadyUsed, 'this payment authorization was already used; sign a new one');
      }
      if (existing && existing.state !== 'failed') break; // still in flight after waiting
      // released or failed without charge: try to claim it again
    }
    throw new X402HttpException(409, X402ErrorCode.PaymentInProgress, 'this payment authorization is being processed by another request', {}, { 'Retry-After': '1' });
  }

  /**
   * Whether a repeat of a served payment gets its stored response. Only a request whose signature
   * was proven (locally, or by the facilitator) gets here. A settled authorization is public (its
   * signature is in the settlement transaction's calldata), so holding it proves little: the repeat must carry the original's idempotency id, which never goes on chain, or,
   * when the original had none, come within `ledger.replayWindowSeconds` of it (a client's retry).
   */
  protected mayReplay(existing: PaymentRecord, plan: RoutePlan, claim: PaymentClaim): boolean {
    if (!this.config.ledger.snapshots || !existing.response || existing.state === 'failed') return false; // failed: served once, never paid
    if (existing.route !== plan.route || existing.resourceUrl !== claim.resourceUrl) return false;
    if (existing.paymentIdentifier !== undefined) return sameId(existing.paymentIdentifier, claim.paymentIdentifier);
    const servedAt = (existing.settledAt ?? existing.updatedAt).getTime();
    return Date.now() - servedAt <= this.config.ledger.replayWindowSeconds * 1000;
  }

  /** Polls the store until the payment under `key` is settled, failed or released, or the wait ends. */
  protected async waitForOutcome(key: string): Promise<PaymentRecord | undefined> {
    const deadline = Date.now() + this.config.ledger.inFlightWaitMs;
    for (;;) {
      const record = await ledgerCall(() => this.store.findByKey(key));
      if (!record || served(record) || record.state === 'failed' || Date.now() >= deadline) return record;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Asks the facilitator to verify the payment; a refusal becomes a 402 with the facilitator's reason as code. */
  protected async verify(request: HttpRequest, plan: RoutePlan, offer: RouteOffer, requirements: PaymentRequirements, decoded: DecodedPayment) {
    const server = await this.host.ready();
    let result;
    try {
      result = await server.verifyPayment(decoded.payload, requirements);
    } catch (error) {
      const failure = facilitatorFailure(error, 'verify');
      const outage = outageEvent(error, failure, 'verify', { route: plan.route, network: requirements.network });
      if (outage) this.events.emit(outage);
      if (failure.getStatus() !== 402) throw failure;
      throw this.challenge(request, plan, offer, failure.code, failure.message);
    }
    if (!result.isValid) {
      const code = reasonCode(result.invalidReason, X402ErrorCode.VerificationFailed);
      throw this.challenge(request, plan, offer, code, safeMessage(result.invalidMessage, `the payment was refused: ${code}`));
    }
    // The ledger keys the payment on the authorization's payer: it must be whom the facilitator verified.
    if (result.payer !== undefined && result.payer.toLowerCase() !== decoded.authorization.from.toLowerCase()) {
      throw this.challenge(request, plan, offer, X402ErrorCode.VerificationFailed, 'the facilitator verified a payment of another payer than the authorization names');
    }
  }

  /**
   * Builds the 402: the `PAYMENT-REQUIRED` header (x402 v2) and a JSON body that v1 clients can pay
   * from: `{ x402Version: 1, error: code, message, accepts: [v1 requirements] }` where an accepted
   * network has a v1 name the facilitator takes; otherwise the v2 `PaymentRequired` with
   * `error: code, message`. Either way `error` is the stable code and `message` says why.
   */
  protected challenge(request: HttpRequest, plan: RoutePlan, offer: RouteOffer, code: string, message: string): X402HttpException {
    const url = this.resourceUrl(request);
    // A static price without sessions gives the same 402 for a URL every time: built once.
    const built =
      code === X402ErrorCode.PaymentRequired && plan.quotes && !plan.accessMs
        ? this.challenges.get(offer, `${this.host.generation} ${url}`, () => this.buildChallenge(plan, offer, code, url))
        : this.buildChallenge(plan, offer, code, url);
    // An expected answer, not a fault: its stack is never shown, and capturing one was a tenth of a 402's CPU.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new X402HttpException(402, code, message, built.body, {
        [PAYMENT_REQUIRED_HEADER]: built.header,
        'Cache-Control': PAID_CACHE_CONTROL,
      });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }

  /** The `PAYMENT-REQUIRED` header and the JSON body of a 402 for `url` (see {@link challenge}). */
  protected buildChallenge(plan: RoutePlan, offer: RouteOffer, code: string, url: string): BuiltChallenge {
    const paymentRequired = {
      ...offer.challenge,
      error: code === X402ErrorCode.PaymentRequired ? 'Payment required' : code,
      resource: { ...offer.challenge.resource, url },
      ...(plan.accessMs
        ? { extensions: { ...offer.challenge.extensions, ...this.access.extensionFor(plan, url, offer.requirements.map((r) => r.network)) } }
        : {}),
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

  /**
   * The absolute URL of the requested resource: the configured public URL, else the request's
   * validated origin, then the routed path and query (see {@link resourceUrlOf}).
   */
  protected resourceUrl(request: HttpRequest): string {
    return resourceUrlOf(request, this.adapterHost.httpAdapter.getRequestUrl(request), this.config.publicUrl);
  }

  protected describePrice(offer: RouteOffer): string {
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

  /**
   * Publishes why a priced request was not let through: a `challenge` when it carried no payment,
   * else a `failed` event at stage `verify` with the error's code (and the payment's facts once it was claimed).
   */
  protected reportRefusal(request: HttpRequest, context: ExecutionContext, metadata: PriceMetadata, error: unknown, attempt?: PaymentRecord): void {
    if (!(error instanceof X402HttpException) || metadata.free) return;
    let route = attempt?.route;
    try {
      route ??= this.pricing.planFor(context.getClass(), context.getHandler(), metadata).route;
    } catch {
      route = 'unknown';
    }
    const status = error.getStatus();
    const paid =
      request.headers[PAYMENT_SIGNATURE_HEADER] !== undefined || request.headers[X_PAYMENT_HEADER] !== undefined || request.headers[PAYMENT_PROOF_HEADER] !== undefined;
    if (!paid && status === 402) this.events.emit({ type: 'challenge', route, reason: error.code });
    else this.events.emit({ type: 'failed', stage: 'verify', reason: error.code, status, ...(attempt ? paymentFacts(attempt) : {}), route });
  }

  protected applyHeaders(response: unknown, headers: Record<string, string>): void {
    for (const [name, value] of Object.entries(headers)) this.adapterHost.httpAdapter.setHeader(response, name, value);
  }
}
