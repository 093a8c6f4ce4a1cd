import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { PaymentRequirements } from '@x402/core/types';
import { randomBytes } from 'node:crypto';
import { HttpRequestError, TimeoutError } from 'viem';
import type { X402Config } from '../config/x402.config.js';
import { ledgerCall } from '../ledger/ledger-call.js';
import type { PaymentRecord } from '../ledger/payment-store.interface.js';
import type { RouteOffer, RoutePlan } from '../pricing/route-plan.types.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { X402_CONFIG } from '../x402.tokens.js';
import { decodePaymentProof, type PaymentProof } from './payment-proof.codec.js';
import { X402ProofErrorCode } from './proof-errors.js';
import { PROOF_STORE, type PaymentReference, type ProofStore } from './proof-store.interface.js';
import { TX_HASH_SCHEME } from './tx-hash-scheme.js';
import { judgeTransfer } from './transfer-match.js';
import { TransferReader } from './transfer-reader.js';
import type { ProofClaim } from './proof-claim.types.js';
import { logSafe } from '../logging/log-safe.js';

export type { ProofClaim };

/** Where a reference stands, for the status endpoint and `payment_pending` answers. */
export interface ProofStatus {
  reference: string;
  /** `open`: not paid yet; `pending`: a transfer is bound, not enough confirmations; `confirmed`: ready to be presented; `used`; `expired`. */
  state: 'open' | 'pending' | 'confirmed' | 'used' | 'expired';
  network: string;
  asset: string;
  payTo: string;
  amount: string;
  expiresAt: string;
  requiredConfirmations: number;
  transaction?: string;
  confirmations?: number;
  payer?: string;
}

/** What a presented proof gets: access (with a claim to complete, or within a paid access window), or a refusal. */
export type ProofDecision =
  | { granted: true; claim?: ProofClaim }
  | { granted: false; status: 402 | 409; code: string; message: string; retryAfter?: number; proof?: ProofStatus };

const isTransportFailure = (error: unknown) =>
  error instanceof HttpRequestError || error instanceof TimeoutError || (error as { name?: string })?.name === 'TimeoutError';

/**
 * Transaction-hash proofs (`@Priced(price, { txProof: true })`): a payer that cannot sign an x402
 * authorization (a multisig, a custodial withdrawal, a wallet without EIP-712) sends the token with
 * a plain `transfer` and presents the transaction hash.
 *
 * Each 402 of such a route carries, after the signed-payment entries, one `tx-hash` entry per network
 * the module can read: amount, token and recipient, and a fresh payment reference stored with the
 * chain head and an expiry. The payer sends the transfer and retries with `X-PAYMENT-PROOF`
 * (base64 JSON `{ network, transaction, reference }`). The receipt must show success and `Transfer`s
 * of at least the amount of the token to the recipient, in a block after the quote; the transaction
 * is then bound to the reference (a unique index: one transaction pays one request), and once it has
 * the network's confirmations one request is served and the receipt is recorded in the ledger.
 * The guard and the interceptor call it; apps use it for the status of a reference.
 *
 * @example
 * const status = await proofs.status(reference); // { state: 'pending', confirmations: 1, requiredConfirmations: 3, ... }
 */
@Injectable()
export class TxProofService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('X402');
  readonly reader: TransferReader;
  /** Absolute path of the status endpoint, when `X402ProofsModule` serves it. */
  private statusPath?: string;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(X402_CONFIG) private readonly config: X402Config,
    @Optional() @Inject(PROOF_STORE) private readonly store?: ProofStore,
  ) {
    this.reader = new TransferReader(config.settlement.rpcUrls, config.proofs.headCacheMs);
  }

  /** Called by `X402ProofsModule`: 402 entries then advertise `GET <path>/<reference>`. */
  serveStatusAt(path: string): void {
    this.statusPath = `/${path.replace(/^\/+|\/+$/g, '')}`;
  }

  /**
   * The offer of a 402 with one fresh `tx-hash` entry per proof network appended to its `accepts`
   * (after the signed-payment entries, so clients that pick the first entry they can pay keep
   * paying those). Unchanged for routes without `txProof`; if the chain head or the store cannot be
   * read the entries are left out (the signed-payment ones still work).
   */
  async quote(plan: RoutePlan, offer: RouteOffer, resourceUrl: string): Promise<RouteOffer> {
    if (!plan.txProof || !this.store) return offer;
    const { confirmations, ttlSeconds } = this.config.proofs;
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const quotes = offer.quotes.filter((q) => confirmations[q.network] !== undefined);
    try {
      const heads = await Promise.all(quotes.map((q) => this.reader.cachedHead(q.network)));
      const references = quotes.map((q, i) => ({
        reference: randomBytes(16).toString('hex'),
        network: q.network,
        asset: q.asset.address,
        payTo: plan.payTo,
        amount: q.amount.toString(),
        route: plan.route,
        resourceUrl,
        minBlock: heads[i].toString(),
        expiresAt,
      }));
      await this.store.createReferences(references);
      const entries: PaymentRequirements[] = references.map((r, i) => ({
        scheme: TX_HASH_SCHEME,
        network: r.network as PaymentRequirements['network'],
        amount: r.amount,
        asset: r.asset,
        payTo: r.payTo,
        maxTimeoutSeconds: ttlSeconds,
        extra: {
          reference: r.reference,
          confirmations: confirmations[r.network],
          expiresAt: expiresAt.toISOString(),
          proofHeader: 'X-PAYMENT-PROOF',
          ...(this.statusPath ? { status: `${new URL(resourceUrl).origin}${this.statusPath}/${r.reference}` } : {}),
          name: quotes[i].asset.name,
          version: quotes[i].asset.version,
        },
      }));
      return { ...offer, challenge: { ...offer.challenge, accepts: [...offer.challenge.accepts, ...entries] } };
    } catch (error) {
      this.logger.warn(`could not quote a transaction-hash payment for ${plan.route}: ${logSafe(error)}`);
      return offer;
    }
  }

  /**
   * Checks a presented `X-PAYMENT-PROOF` for this route and resource. Access is granted once the
   * bound transfer has enough confirmations and this request holds the reference (complete or
   * release the claim after the handler), or again within the route's access window.
   */
  async check(header: string, plan: RoutePlan, resourceUrl: string): Promise<ProofDecision> {
    const proof = decodePaymentProof(header);
    const store = this.requireStore();
    let reference = await ledgerCall(() => store.findReference(proof.reference));
    if (!reference) return this.refuse(402, X402ProofErrorCode.UnknownReference, 'no such payment reference here; get a new one from the 402');
    if (reference.route !== plan.route || reference.resourceUrl !== resourceUrl || reference.network !== proof.network) {
      return this.refuse(402, X402ProofErrorCode.ReferenceMismatch, 'this payment reference was quoted for another resource or network');
    }
    if (reference.transaction && reference.transaction !== proof.transaction) {
      return this.refuse(409, X402ProofErrorCode.ReferenceUsed, 'this payment reference was paid with another transaction');
    }
    if (reference.state === 'used') return this.again(reference, plan);
    if (!reference.transaction && reference.expiresAt.getTime() <= Date.now()) {
      return this.refuse(402, X402ProofErrorCode.ReferenceExpired, 'this payment reference expired before a transaction was presented; get a new one from the 402');
    }

    // A transaction pays one request: one already bound elsewhere, or that settled a payment, is refused before the chain is asked.
    if (!reference.transaction && (await ledgerCall(() => store.isTransactionTaken(proof.network, proof.transaction)))) {
      return this.refuse(409, X402ProofErrorCode.AlreadyUsed, 'this transaction already paid for another request');
    }
    const inspection = await this.chain(() => this.reader.inspect(proof.network, proof.transaction));
    const verdict = judgeTransfer(inspection, reference);
    if (!verdict.pays) {
      return { granted: false, status: verdict.status, code: verdict.code, message: verdict.message, ...(verdict.pending ? { retryAfter: this.config.proofs.retryAfterSeconds } : {}) };
    }
    if (!reference.transaction) {
      const bound = await ledgerCall(() =>
        store.bindTransaction(proof.reference, {
          transaction: proof.transaction,
          payer: verdict.payer,
          blockNumber: verdict.blockNumber.toString(),
          transferred: verdict.transferred.toString(),
        }),
      );
      if (!bound.bound) return this.bindConflict(bound.conflict);
      reference = bound.reference;
    }
    const required = this.required(reference.network);
    if (verdict.confirmations < BigInt(required)) {
      return {
        granted: false,
        status: 402,
        code: X402ProofErrorCode.Pending,
        message: `the transaction has ${verdict.confirmations} of the ${required} confirmations required on ${reference.network}; retry later`,
        retryAfter: this.config.proofs.retryAfterSeconds,
        proof: this.statusOf(reference, Number(verdict.confirmations)),
      };
    }
    const claimed = await ledgerCall(() => store.claimReference(proof.reference, this.config.settlement.holdMs));
    if (!claimed) {
      const now = await ledgerCall(() => store.findReference(proof.reference));
      if (now?.state === 'used') return this.again(now, plan);
      return { granted: false, status: 409, code: X402ProofErrorCode.InProgress, message: 'a request is being served with this payment right now', retryAfter: 1 };
    }
    return { granted: true, claim: { reference: claimed.reference, network: claimed.network, transaction: claimed.transaction!, payer: claimed.payer!, transferred: claimed.transferred! } };
  }

  /** The handler succeeded: the reference is used and the receipt recorded. */
  async complete(claim: ProofClaim): Promise<PaymentRecord | undefined> {
    return this.requireStore().useReference(claim.reference);
  }

  /** The handler failed: the payment can be presented again. */
  async release(claim: ProofClaim): Promise<void> {
    await this.requireStore().releaseReference(claim.reference);
  }

  /** Where a reference stands (confirmations read from the chain while a transfer is pending); undefined if unknown. */
  async status(referenceId: string): Promise<ProofStatus | undefined> {
    if (!/^[0-9a-f]{32}$/.test(referenceId)) return undefined;
    const reference = await ledgerCall(() => this.requireStore().findReference(referenceId));
    if (!reference) return undefined;
    if (reference.state !== 'pending' || !reference.transaction) return this.statusOf(reference);
    const inspection = await this.chain(() => this.reader.inspect(reference.network, reference.transaction!));
    const confirmations = inspection.status === 'mined' ? Number(inspection.head - inspection.blockNumber + 1n) : 0;
    return this.statusOf(reference, confirmations);
  }

  onModuleInit(): void {
    const interval = this.config.ledger.purgeIntervalSeconds;
    if (interval === 0 || !this.store) return;
    this.timer = setInterval(() => {
      const before = new Date(Date.now() - this.config.ledger.retentionSeconds * 1000);
      this.store!.purgeReferences(before).catch((error: Error) => this.logger.warn(`purge of payment references failed: ${error.message}`));
    }, interval * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private statusOf(reference: PaymentReference, confirmations?: number): ProofStatus {
    const required = this.required(reference.network);
    const expired = reference.state === 'open' && reference.expiresAt.getTime() <= Date.now();
    const state = expired ? 'expired' : reference.state === 'pending' && (confirmations ?? 0) >= required ? 'confirmed' : reference.state === 'claimed' ? 'pending' : reference.state;
    return {
      reference: reference.reference,
      state,
      network: reference.network,
      asset: reference.asset,
      payTo: reference.payTo,
      amount: reference.amount,
      expiresAt: reference.expiresAt.toISOString(),
      requiredConfirmations: required,
      ...(reference.transaction ? { transaction: reference.transaction } : {}),
      ...(confirmations !== undefined ? { confirmations } : {}),
      ...(reference.payer ? { payer: reference.payer } : {}),
    };
  }

  /** A used reference presented again: access within the route's access window, else already used. */
  private again(reference: PaymentReference, plan: RoutePlan): ProofDecision {
    const usedAt = reference.usedAt?.getTime() ?? 0;
    if (plan.accessMs && Date.now() - usedAt <= plan.accessMs) return { granted: true };
    return this.refuse(409, X402ProofErrorCode.AlreadyUsed, 'this payment was already used for a request; pay again for another');
  }

  private bindConflict(conflict: 'transaction' | 'reference' | 'expired' | 'unknown'): ProofDecision {
    switch (conflict) {
      case 'transaction':
        return this.refuse(409, X402ProofErrorCode.AlreadyUsed, 'this transaction already paid for another request');
      case 'reference':
        return this.refuse(409, X402ProofErrorCode.ReferenceUsed, 'this payment reference was paid with another transaction');
      case 'expired':
        return this.refuse(402, X402ProofErrorCode.ReferenceExpired, 'this payment reference expired before a transaction was presented; get a new one from the 402');
      default:
        return this.refuse(402, X402ProofErrorCode.UnknownReference, 'no such payment reference here; get a new one from the 402');
    }
  }

  private refuse(status: 402 | 409, code: string, message: string): ProofDecision {
    return { granted: false, status, code, message };
  }

  private required(network: string): number {
    return this.config.proofs.confirmations[network] ?? 1;
  }

  private requireStore(): ProofStore {
    if (this.store) return this.store;
    this.logger.error('transaction-hash proofs need a proof store: the payment store has no proofStore(); set the module option proofs.store');
    throw new X402HttpException(500, X402ProofErrorCode.Unavailable, 'transaction-hash payments are not available on this server');
  }

  /** Runs a chain read; an RPC that cannot be reached is a 503, not the payer's fault. */
  private async chain<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof X402HttpException) throw error;
      this.logger.warn(`chain read for a payment proof failed: ${logSafe(error)}`);
      const detail = isTransportFailure(error) ? 'cannot be reached' : 'failed';
      throw new X402HttpException(503, X402ErrorCode.FacilitatorUnavailable, `the chain's RPC ${detail}; try again shortly`, {}, { 'Retry-After': '5' });
    }
  }
}

export type { PaymentProof };
