import { Inject, Injectable } from '@nestjs/common';
import type { PaymentRequirements } from '@x402/core/types';
import { createHash, timingSafeEqual } from 'node:crypto';
import { getAddress } from 'viem';
import type { X402Config } from '../../config/x402.config.js';
import { ledgerCall } from '../../ledger/ledger-call.js';
import { PAYMENT_STORE, UNSERVED_UPFRONT, type DeferredCaps, type PaymentClaim, type PaymentRecord, type PaymentClaims, type SettlementMode } from '../../ledger/payment-store.interface.js';
import { v1NetworkName } from '../../protocol/v1-compat.js';
import { X402SettlementService } from '../../settlement/settlement.service.js';
import type { RoutePlan } from '../../pricing/route-plan.types.js';
import { X402ErrorCode, X402HttpException } from '../../x402.errors.js';
import { X402_CONFIG } from '../../x402.tokens.js';
import type { DecodedPayment } from './payment-header.codec.js';
import { settlementPending } from './pending-settlement.js';

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

/** What a signed payment is claimed for. */
export interface SignedClaimRequest {
  plan: RoutePlan;
  requirements: PaymentRequirements;
  decoded: DecodedPayment;
  identifier: string | undefined;
  mode: SettlementMode;
  /** In deferred mode, the caps the claim reserves its exposure within (past them it is taken in `authorization` mode). */
  deferredCaps?: DeferredCaps;
  resourceUrl: string;
}

/**
 * A claim taken (`verified` says whether the facilitator already verified it; `settled`: an upfront payment found
 * on chain before its handler ran, taken for its one retry), or a settled payment to replay.
 */
export type SignedClaim = { record: PaymentRecord; payer: string; verified: boolean; settled?: boolean } | { replay: PaymentRecord; payer: string };

/**
 * Claims a signed authorization in the ledger so that it serves one request only. A repeat of a
 * payment still in flight waits for it briefly; a repeat of a settled payment replays its response
 * to whoever proves it holds the original (its idempotency id, or a retry within the window).
 */
@Injectable()
export class PaymentClaimer {
  constructor(
    @Inject(X402_CONFIG) protected readonly config: X402Config,
    @Inject(PAYMENT_STORE) protected readonly store: PaymentClaims,
    protected readonly settlement: X402SettlementService,
  ) {}

  /**
   * `verifyNow` is given when the facilitator has not verified the payment yet: a failed record
   * (of the key, or holding the idempotency id) is then taken over only after it succeeds, so that
   * no unverified request ever changes or erases one.
   */
  async claim(request: SignedClaimRequest, verifyNow?: () => Promise<void>): Promise<SignedClaim> {
    const { plan, requirements, decoded } = request;
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
      resourceUrl: request.resourceUrl,
      nonce,
      paymentIdentifier: request.identifier,
      mode: request.mode,
    };
    let retryFailed = verifyNow === undefined;
    // a store that checks the caps when it queues the payment (after the handler) is not given them here
    const deferredCaps = this.store.checksCapsWhenQueued ? undefined : request.deferredCaps;
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
      let existing = served(result.existing) ? result.existing : await this.waitForOutcome(claim.key);
      // Held with an open outcome (the money may have moved): the chain may know by now; else "pending", never a 402.
      if (existing?.state === 'settling' && !served(existing)) {
        existing = await ledgerCall(() => this.settlement.held.recheck(existing!));
        if (existing.state === 'settling') {
          const network = decoded.x402Version === 1 ? (v1NetworkName(existing.network) ?? existing.network) : existing.network;
          throw settlementPending({ receipt: existing.id, network, payer, x402Version: decoded.x402Version });
        }
      }
      if (existing && served(existing)) {
        if (this.mayReplay(existing, plan, claim)) return { replay: existing, payer };
        if (await this.mayServeSettled(existing, plan, claim)) return { record: existing, payer, verified: true, settled: true };
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

  /**
   * Upfront mode: whether a repeat of a payment settled (found on chain) before its handler ran gets the handler
   * now. Same route and URL as the original, and taken atomically, so one retry only is served.
   */
  protected async mayServeSettled(existing: PaymentRecord, plan: RoutePlan, claim: PaymentClaim): Promise<boolean> {
    if (existing.mode !== 'upfront' || existing.handlerError !== UNSERVED_UPFRONT || !this.store.takeUnserved) return false;
    if (existing.route !== plan.route || existing.resourceUrl !== claim.resourceUrl) return false;
    return ledgerCall(() => this.store.takeUnserved!(existing.id));
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
}
