import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { HttpRequestError, TimeoutError } from 'viem';
import type { X402Config } from '../config/x402.config.js';
import { ledgerCall } from '../ledger/ledger-call.js';
import type { PaymentRecord } from '../ledger/payment-store.interface.js';
import type { RouteOffer, RoutePlan } from '../pricing/route-plan.types.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { X402_CONFIG } from '../x402.tokens.js';
import { decodePaymentProof, type PaymentProof } from './payment-proof.codec.js';
import { refusals, refuse, type ProofDecision } from './proof-decision.js';
import { X402ProofErrorCode } from './proof-errors.js';
import { proofEntries } from './proof-quote.js';
import { isReferenceShaped, ReferenceSigner } from './proof-reference.js';
import { openStatus, storedStatus, type ProofStatus } from './proof-status.js';
import { PROOF_STORE, type NewPaymentReference, type PaymentReference, type ProofStore } from './proof-store.interface.js';
import { judgeTransfer } from './transfer-match.js';
import { TransferReader } from './transfer-reader.js';
import type { ProofClaim } from './proof-claim.types.js';
import { logSafe } from '../logging/log-safe.js';

export type { ProofClaim, ProofDecision, ProofStatus };

const isTransportFailure = (error: unknown) =>
  error instanceof HttpRequestError || error instanceof TimeoutError || (error as { name?: string })?.name === 'TimeoutError';

/**
 * Transaction-hash proofs (`@Priced(price, { txProof: true })`): a payer that cannot sign an x402
 * authorization (a multisig, a custodial withdrawal, a wallet without EIP-712) sends the token with
 * a plain `transfer` and presents the transaction hash.
 *
 * Each 402 of such a route carries, after the signed-payment entries, one `tx-hash` entry per network
 * the module can read: amount, token and recipient, and a payment reference signed by the server
 * (route, resource, amount, chain head, expiry: nothing is stored). The payer sends exactly the amount
 * with a plain `transfer`, signs the reference with the sending wallet and retries with
 * `X-PAYMENT-PROOF` (base64 JSON `{ network, transaction, reference, signature }`). The receipt must
 * show a plain transfer by the signer of exactly the amount to the recipient, in a block after the
 * quote; the transaction is then bound to the reference (a unique index: one transaction pays one
 * request), and once it has the network's confirmations one request is served and the receipt is
 * recorded in the ledger. The guard and the interceptor call it; apps use it for the status of a reference.
 *
 * @example
 * const status = await proofs.status(reference); // { state: 'pending', confirmations: 1, requiredConfirmations: 3, ... }
 */
@Injectable()
export class TxProofService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('X402');
  readonly reader: TransferReader;
  private readonly references: ReferenceSigner;
  /** Absolute path of the status endpoint, when `X402ProofsModule` serves it. */
  private statusPath?: string;
  private timer?: NodeJS.Timeout;
  private warnedSecret = false;

  constructor(
    @Inject(X402_CONFIG) private readonly config: X402Config,
    @Optional() @Inject(PROOF_STORE) private readonly store?: ProofStore,
  ) {
    this.reader = new TransferReader(config.settlement.rpcUrls, config.proofs.headCacheMs);
    this.references = new ReferenceSigner(config.proofs.secret);
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
    if (this.config.proofs.secretGenerated && !this.warnedSecret) {
      this.warnedSecret = true;
      this.logger.warn('payment references are signed with a random key of this process: set proofs.secret or X402_PROOF_SECRET (the same on every instance) so they survive restarts');
    }
    try {
      const context = { proofs: this.config.proofs, references: this.references, head: (network: string) => this.reader.cachedHead(network), statusPath: this.statusPath };
      const entries = await proofEntries(plan, offer, resourceUrl, context);
      return { ...offer, challenge: { ...offer.challenge, accepts: [...offer.challenge.accepts, ...entries] } };
    } catch (error) {
      this.logger.warn(`could not quote a transaction-hash payment for ${plan.route}: ${logSafe(error)}`);
      return offer;
    }
  }

  /**
   * Checks a presented `X-PAYMENT-PROOF` for this route and resource. Access is granted once the
   * bound transfer has enough confirmations and this request holds the reference (complete or
   * release the claim after the handler), or again within the route's access window to the payer
   * that holds the access secret of the reference.
   */
  async check(header: string, plan: RoutePlan, offer: RouteOffer, resourceUrl: string): Promise<ProofDecision> {
    const proof = decodePaymentProof(header);
    const quoted = this.quoted(proof, plan, offer, resourceUrl);
    if (!quoted) return refusals.invalidReference(); // forged, altered or quoted elsewhere: refused before any I/O
    // a hash the chain did not know a moment ago: answered from memory, no query, no RPC call
    if (this.reader.recentlyMissing(proof.network, proof.transaction)) return this.notMined(proof.network);
    const store = this.requireStore();
    let reference = await ledgerCall(() => store.findReference(proof.reference));
    if (reference?.transaction && reference.transaction !== proof.transaction) return refusals.referenceUsed();
    if (reference?.state === 'used') return this.again(reference, plan, proof.access);
    if (!reference && quoted.expiresAt.getTime() <= Date.now()) return refusals.expired();

    const inspection = await this.chain(() => this.reader.inspect(proof.network, proof.transaction));
    const verdict = judgeTransfer(inspection, quoted);
    if (!verdict.pays) {
      return { granted: false, status: verdict.status, code: verdict.code, message: verdict.message, ...(verdict.pending ? { retryAfter: this.config.proofs.retryAfterSeconds } : {}) };
    }
    // The transfer pays this reference only if its sender signed the reference: whoever merely saw it mined cannot present it.
    if (!proof.signature) return refusals.signatureRequired();
    const signature = proof.signature;
    if (!(await this.chain(() => this.reader.isSignedBy(proof.network, verdict.payer, proof.reference, signature)))) return refusals.signatureInvalid();
    if (!reference) {
      // A transaction pays one request: one already bound elsewhere, or that settled a payment, is refused.
      if (await ledgerCall(() => store.isTransactionTaken(proof.network, proof.transaction))) return refusals.transactionUsed();
      const binding = { transaction: proof.transaction, payer: verdict.payer, blockNumber: verdict.blockNumber.toString(), transferred: verdict.transferred.toString() };
      const bound = await ledgerCall(() => store.bindTransaction(quoted, binding));
      if (!bound.bound) return bound.conflict === 'transaction' ? refusals.transactionUsed() : refusals.referenceUsed();
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
        proof: storedStatus(reference, required, Number(verdict.confirmations)),
      };
    }
    const owner = randomBytes(16).toString('hex');
    const claimed = await ledgerCall(() => store.claimReference(proof.reference, owner, this.config.settlement.holdMs));
    if (!claimed) {
      const now = await ledgerCall(() => store.findReference(proof.reference));
      if (now?.state === 'used') return this.again(now, plan, proof.access);
      return { granted: false, status: 409, code: X402ProofErrorCode.InProgress, message: 'a request is being served with this payment right now', retryAfter: 1 };
    }
    const { network, transaction, payer, transferred } = claimed as Required<PaymentReference>;
    const access = plan.accessMs ? this.references.accessSecret(claimed.reference, transaction) : undefined;
    return { granted: true, claim: { reference: claimed.reference, owner, network, transaction, payer, transferred, ...(access ? { access } : {}) } };
  }

  /** The handler succeeded: the reference is used and the receipt recorded, if this request still holds it (else undefined: do not serve). */
  async complete(claim: ProofClaim): Promise<PaymentRecord | undefined> {
    return this.requireStore().useReference(claim.reference, claim.owner);
  }

  /** The handler failed: the payment can be presented again (unless another request took the reference over). */
  async release(claim: ProofClaim): Promise<void> {
    await this.requireStore().releaseReference(claim.reference, claim.owner);
  }

  /** Where a reference stands (confirmations read from the chain while a transfer is pending); undefined if unknown. */
  async status(referenceId: string): Promise<ProofStatus | undefined> {
    if (!isReferenceShaped(referenceId)) return undefined;
    const reference = await ledgerCall(() => this.requireStore().findReference(referenceId));
    if (!reference) return openStatus(referenceId, (network) => this.required(network));
    const required = this.required(reference.network);
    if (reference.state !== 'pending' || !reference.transaction) return storedStatus(reference, required);
    const inspection = await this.chain(() => this.reader.inspect(reference.network, reference.transaction!));
    const confirmations = inspection.status === 'mined' ? Number(inspection.head - inspection.blockNumber + 1n) : 0;
    return storedStatus(reference, required, confirmations);
  }

  onModuleInit(): void {
    const interval = this.config.ledger.purgeIntervalSeconds;
    if (interval === 0 || !this.store) return;
    this.timer = setInterval(() => {
      const before = new Date(Date.now() - this.config.ledger.retentionSeconds * 1000);
      this.store!.purgeReferences(before).catch((error: unknown) => this.logger.warn(`purge of payment references failed: ${logSafe(error)}`));
    }, interval * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The quote a reference vouches for on this route, resource and network, or undefined if this server did not issue it for them. */
  private quoted(proof: PaymentProof, plan: RoutePlan, offer: RouteOffer, resourceUrl: string): NewPaymentReference | undefined {
    const quote = offer.quotes.find((q) => q.network === proof.network);
    if (!quote || this.config.proofs.confirmations[proof.network] === undefined) return undefined;
    const context = { route: plan.route, resourceUrl, network: proof.network, asset: quote.asset.address, payTo: plan.payTo };
    const fields = this.references.check(proof.reference, context);
    return fields ? { reference: proof.reference, ...context, amount: fields.amount, minBlock: fields.minBlock, expiresAt: fields.expiresAt } : undefined;
  }

  /** A used reference presented again: access within the route's access window to the holder of its access secret, else already used. */
  private again(reference: PaymentReference, plan: RoutePlan, access: string | undefined): ProofDecision {
    const usedAt = reference.usedAt?.getTime() ?? 0;
    const open = plan.accessMs !== undefined && Date.now() - usedAt <= plan.accessMs;
    if (open && this.references.isAccessSecret(access, reference.reference, reference.transaction ?? '')) return { granted: true };
    const hint = plan.accessMs ? ' (within the access window: the access secret of its PAYMENT-RESPONSE, or sign in with the paying wallet)' : '';
    return refuse(409, X402ProofErrorCode.AlreadyUsed, `this payment was already used for a request; pay again for another${hint}`);
  }

  private notMined(network: string): ProofDecision {
    const message = `the transaction is not mined on ${network} yet; retry later`;
    return { granted: false, status: 402, code: X402ProofErrorCode.Pending, message, retryAfter: this.config.proofs.retryAfterSeconds };
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
