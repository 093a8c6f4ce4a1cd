import type { Logger } from '@nestjs/common';
import { encodePaymentResponseHeader } from '@x402/core/http';
import type { SettleResponse } from '@x402/core/types';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import type { PaymentRecord } from '../ledger/payment-store.interface.js';
import { PAYMENT_RESPONSE_HEADER } from '../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { X402ProofErrorCode } from './proof-errors.js';
import { TX_HASH_SCHEME } from './tx-hash-scheme.js';
import type { ProofClaim } from './proof-claim.types.js';
import type { TxProofService } from './tx-proof.service.js';

/** What {@link settleProof} reports through: the response's headers, the recorded receipt, the log. */
export interface ProofSettlementHooks {
  setHeader(name: string, value: string): void;
  settled(receipt: PaymentRecord): void;
  logger: Logger;
}

/**
 * Runs the handler of a request paid by a transaction-hash proof: on success the reference is used
 * and the receipt recorded before the response goes out (with `PAYMENT-RESPONSE`); on failure (or a
 * declared status >= 400) the reference is released, so the same payment can be presented again.
 * If the ledger cannot record the use, the response is withheld (503) and the payment stays presentable;
 * if the use is not recorded because another request took the reference over (this one outlived its
 * hold), the response is withheld (409 `payment_claim_lost`): one payment, one response. A route with
 * an access window also gets the access secret of the reference in `PAYMENT-RESPONSE` (`extra.access`).
 *
 * @example
 * return settleProof(proofs, claim, next.handle(), 200, { setHeader, settled: (receipt) => events.emit(...), logger });
 */
export function settleProof(proofs: TxProofService, claim: ProofClaim, handler: Observable<unknown>, status: number, hooks: ProofSettlementHooks): Observable<unknown> {
  const { setHeader, logger } = hooks;
  const release = () => proofs.release(claim).catch((error: Error) => logger.error(`could not release payment reference ${claim.reference}: ${error.message}`));
  return handler.pipe(
    catchError((error) => from(release()).pipe(mergeMap(() => throwError(() => error)))),
    mergeMap((body) =>
      from(
        (async () => {
          if (status >= 400) {
            await release();
            return body;
          }
          let receipt;
          try {
            receipt = await proofs.complete(claim);
          } catch (error) {
            logger.error(`could not record the use of payment reference ${claim.reference}: ${(error as Error).message}`);
            await release();
            throw new X402HttpException(503, X402ErrorCode.LedgerUnavailable, 'the payment ledger is unavailable; present the payment again shortly', {}, { 'Retry-After': '5' });
          }
          if (!receipt) {
            // Not recorded: this request's hold ran out and another request took the payment over. It is that request's to serve.
            logger.warn(`payment reference ${claim.reference} was taken over while its handler ran; the response is withheld`);
            throw new X402HttpException(409, X402ProofErrorCode.ClaimLost, 'the payment was taken over by another request while this one ran; it is served once, to that request');
          }
          const response: SettleResponse = {
            success: true,
            transaction: claim.transaction,
            network: claim.network as SettleResponse['network'],
            payer: claim.payer,
            amount: claim.transferred,
            extra: { scheme: TX_HASH_SCHEME, reference: claim.reference, receipt: receipt.id, ...(claim.access ? { access: claim.access } : {}) },
          };
          setHeader(PAYMENT_RESPONSE_HEADER, encodePaymentResponseHeader(response));
          hooks.settled(receipt);
          return body;
        })(),
      ),
    ),
  );
}
