import { Injectable, Logger } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { paymentFacts } from '../events/payment-facts.js';
import { X402Events } from '../events/x402.events.js';
import { PaymentRefusal, type Admission, type LeaseContext, type PaymentAttempt, type PaymentLease, type PaymentMethod, type PaymentRequest } from '../methods/payment-method.js';
import type { RouteOffer, RoutePlan } from '../pricing/route-plan.types.js';
import { PAYMENT_SIGNATURE_HEADER, X_PAYMENT_HEADER } from '../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { readPaymentProof } from './payment-proof.codec.js';
import type { ProofClaim } from './proof-claim.types.js';
import { X402ProofErrorCode } from './proof-errors.js';
import { settleProof } from './proof-settlement.js';
import { TxProofService } from './tx-proof.service.js';

/** A confirmed transfer held by its request while the handler runs: used on success, released otherwise. */
class TxProofLease implements PaymentLease {
  private started = false;

  constructor(
    private readonly proofs: TxProofService,
    private readonly claim: ProofClaim,
    private readonly events: X402Events,
    private readonly logger: Logger,
  ) {}

  run(handler: () => Observable<unknown>, context: LeaseContext): Observable<unknown> {
    this.started = true;
    return settleProof(this.proofs, this.claim, handler(), context.status, {
      setHeader: context.setHeader,
      settled: (receipt) => this.events.emit({ type: 'settled', ...paymentFacts(receipt), transaction: this.claim.transaction }),
      logger: this.logger,
    });
  }

  async abort(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.proofs.release(this.claim).catch((error: Error) => this.logger.error(`could not release payment reference ${this.claim.reference}: ${error.message}`));
  }
}

/**
 * Transaction-hash proofs as a payment method (`@Priced(price, { txProof: true })`, with
 * `X402ProofsModule` imported): a 402 gets a `tx-hash` entry per readable network, and a request with
 * `X-PAYMENT-PROOF` is let in once its transfer is confirmed. A transfer not yet confirmed is a 402
 * `payment_pending` with `Retry-After`; a transaction already used is a 409 `payment_already_used`.
 */
@Injectable()
export class TxProofMethod implements PaymentMethod {
  readonly name = 'tx-hash';
  readonly order = 10;
  private readonly logger = new Logger('X402');

  constructor(
    private readonly proofs: TxProofService,
    private readonly events: X402Events,
  ) {}

  recognises(request: PaymentRequest, plan: RoutePlan): boolean {
    return plan.txProof !== undefined && readPaymentProof(request.headers) !== undefined;
  }

  async admit(attempt: PaymentAttempt): Promise<Admission> {
    const { request, plan, offer, resourceUrl } = attempt;
    if (request.headers[PAYMENT_SIGNATURE_HEADER] !== undefined || request.headers[X_PAYMENT_HEADER] !== undefined) {
      throw new X402HttpException(400, X402ErrorCode.InvalidPaymentHeader, 'send either a signed payment or X-PAYMENT-PROOF, not both');
    }
    const decision = await this.proofs.check(readPaymentProof(request.headers)!, plan, offer, resourceUrl);
    if (decision.granted) return { admitted: true, lease: decision.claim ? new TxProofLease(this.proofs, decision.claim, this.events, this.logger) : undefined };
    const headers: Record<string, string> = decision.retryAfter ? { 'Retry-After': String(decision.retryAfter) } : {};
    const body = decision.proof ? { proof: decision.proof } : undefined;
    if (decision.status === 409) throw new X402HttpException(409, decision.code, decision.message, body ?? {}, headers);
    // A pending payment keeps its reference; any other refusal comes with fresh quotes to pay again.
    const quoted = decision.code === X402ProofErrorCode.Pending ? offer : await this.quote(attempt, offer);
    throw new PaymentRefusal(decision.code, decision.message, { offer: quoted, headers, body });
  }

  /** Fresh transaction-hash quotes (each with its own payment reference) appended to `accepts`. */
  quote(attempt: PaymentAttempt, offer: RouteOffer): Promise<RouteOffer> {
    return attempt.plan.txProof ? this.proofs.quote(attempt.plan, offer, attempt.resourceUrl) : Promise.resolve(offer);
  }
}
