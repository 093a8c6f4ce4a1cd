import { Inject, Injectable } from '@nestjs/common';
import type { PaymentPayloadV1 } from '@x402/core/schemas';
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types';
import { extractPaymentIdentifier, isValidPaymentId } from '@x402/extensions/payment-identifier';
import { getAddress } from 'viem';
import type { X402Config } from '../../config/x402.config.js';
import { outageEvent } from '../../events/outage-event.js';
import { paymentFacts } from '../../events/payment-facts.js';
import { X402Events } from '../../events/x402.events.js';
import { verifyBeforeSettling } from '../../facilitator/exact-fast-verify.js';
import { facilitatorFailure } from '../../facilitator/facilitator-errors.js';
import { reasonCode, safeMessage } from '../../facilitator/failure-reason.js';
import { PAYMENT_STORE, type PaymentClaims } from '../../ledger/payment-store.interface.js';
import type { RouteOffer } from '../../pricing/route-plan.types.js';
import { X402SettlementService } from '../../settlement/settlement.service.js';
import { X402ErrorCode, X402HttpException } from '../../x402.errors.js';
import { X402ResourceServerHost } from '../../x402.resource-server.js';
import { X402_CONFIG } from '../../x402.tokens.js';
import { toV1Requirements, v1NetworkName } from '../../protocol/v1-compat.js';
import { PaymentRefusal, type Admission, type PaymentAttempt, type PaymentMethod, type PaymentRequest } from '../payment-method.js';
import { PaymentClaimer } from './payment-claimer.js';
import { decodePaymentHeader, readPaymentHeader, type DecodedPayment } from './payment-header.codec.js';
import { isPayerSignature } from './payment-signature.js';
import { SignedPaymentLeases } from './signed-payment.lease.js';

/** Fewest characters of an idempotency id: 22 base64url characters carry 128 bits, so an id cannot be guessed. */
const MIN_ID_LENGTH = 22;

/**
 * The signed payment of x402: an authorization the payer signed (`exact` EIP-3009 or Permit2,
 * `upto` Permit2) in `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1). It is decoded, matched to one of
 * the route's requirements, verified, and claimed in the ledger so that it serves one request only;
 * the lease then settles it in the route's mode. Each step is a protected method, so an app can
 * subclass the method (and provide the subclass instead) to change one of them.
 */
@Injectable()
export class SignedPaymentMethod implements PaymentMethod {
  readonly name = 'signed';
  readonly order = 100;

  constructor(
    protected readonly host: X402ResourceServerHost,
    @Inject(X402_CONFIG) protected readonly config: X402Config,
    @Inject(PAYMENT_STORE) protected readonly store: PaymentClaims,
    protected readonly settlement: X402SettlementService,
    protected readonly events: X402Events,
    protected readonly claimer: PaymentClaimer,
    protected readonly leases: SignedPaymentLeases,
  ) {}

  recognises(request: PaymentRequest): boolean {
    return readPaymentHeader(request.headers) !== undefined;
  }

  async admit(attempt: PaymentAttempt): Promise<Admission> {
    const { request, plan, offer } = attempt;
    const decoded = decodePaymentHeader(readPaymentHeader(request.headers)!, this.config.maxPaymentHeaderBytes);
    const requirements = await this.matchRequirements(offer, decoded);
    if (!requirements) {
      throw new PaymentRefusal(
        X402ErrorCode.RequirementsMismatch,
        'the payment does not match any of this route\'s requirements (scheme, network, amount, asset, payTo); sign one of "accepts" as given',
      );
    }
    const facilitatorRequirements = this.facilitatorRequirements(attempt, requirements, decoded);
    const identifier = this.paymentIdentifier(request, decoded.payload);
    const quote = offer.quotes.find((q) => q.network === requirements.network);
    const mode = await this.settlement.modeFor(plan, requirements, getAddress(decoded.authorization.from), decoded.authorization.validBefore);
    // deferred within the caps, reserved with the claim itself (claims still `verified` count)
    const deferredCaps = mode === 'deferred' ? this.settlement.deferredCaps(quote?.asset.decimals ?? 6) : undefined;
    // A signature not proven here (forged, or a smart wallet's) goes to the facilitator before the
    // ledger is looked at: an unproven request never gets a stored response, never learns whether a
    // payment or an idempotency id is known, and never changes a record.
    const verify = () => this.verify(plan.route, facilitatorRequirements, decoded);
    const signed = await this.isPayerSignature(requirements, decoded);
    if (!signed) await verify();
    // the payer's chain reads (a new payer's code and balance) start now, beside the claim's write, not after it
    else this.host.prefetch(decoded.payload, facilitatorRequirements);
    // Once claimed, it is settled through the facilitator before (deferred: soon after) anything is released: the balance it knows will do (see verifyBeforeSettling).
    const verifyClaimed = () => verifyBeforeSettling(verify);
    const claimed = await this.claimer.claim({ plan, requirements, decoded, identifier, mode, deferredCaps, resourceUrl: attempt.resourceUrl }, signed ? verifyClaimed : undefined);
    const base = { plan, offer, payload: decoded.payload, requirements, facilitatorRequirements, payer: claimed.payer, validBefore: decoded.authorization.validBefore, deferredCaps };
    if ('replay' in claimed) {
      this.events.emit({ type: 'replayed', ...paymentFacts(claimed.replay) });
      return { admitted: true, lease: this.leases.lease(request, { ...base, record: claimed.replay, replay: true }) };
    }
    attempt.claimed = claimed.record;
    if (!claimed.verified) {
      try {
        await verifyClaimed();
      } catch (error) {
        await this.store.release(claimed.record.id).catch(() => undefined);
        throw error;
      }
    }
    this.events.emit({ type: 'verified', ...paymentFacts(claimed.record) });
    return { admitted: true, lease: this.leases.lease(request, { ...base, record: claimed.record, settled: claimed.settled }) };
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
  protected facilitatorRequirements(attempt: PaymentAttempt, requirements: PaymentRequirements, decoded: DecodedPayment): PaymentRequirements {
    if (decoded.x402Version === 2) return requirements;
    const resource = { ...attempt.offer.challenge.resource, url: attempt.resourceUrl };
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
  protected paymentIdentifier(request: PaymentRequest, payload: PaymentPayload): string | undefined {
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

  /** Asks the facilitator to verify the payment; a refusal becomes a 402 with the facilitator's reason as code. */
  protected async verify(route: string, requirements: PaymentRequirements, decoded: DecodedPayment): Promise<void> {
    const server = await this.host.ready();
    let result;
    try {
      result = await server.verifyPayment(decoded.payload, requirements);
    } catch (error) {
      const failure = facilitatorFailure(error, 'verify');
      const outage = outageEvent(error, failure, 'verify', { route, network: requirements.network });
      if (outage) this.events.emit(outage);
      if (failure.getStatus() !== 402) throw failure;
      throw new PaymentRefusal(failure.code, failure.message);
    }
    if (!result.isValid) {
      const code = reasonCode(result.invalidReason, X402ErrorCode.VerificationFailed);
      throw new PaymentRefusal(code, safeMessage(result.invalidMessage, `the payment was refused: ${code}`));
    }
    // The ledger keys the payment on the authorization's payer: it must be whom the facilitator verified.
    if (result.payer !== undefined && result.payer.toLowerCase() !== decoded.authorization.from.toLowerCase()) {
      throw new PaymentRefusal(X402ErrorCode.VerificationFailed, 'the facilitator verified a payment of another payer than the authorization names');
    }
  }
}
