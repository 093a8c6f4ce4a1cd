import type { ProofClaim } from './proof-claim.types.js';
import { X402ProofErrorCode } from './proof-errors.js';
import type { ProofStatus } from './proof-status.js';

/** What a presented proof gets: access (with a claim to complete, or within a paid access window), or a refusal. */
export type ProofDecision =
  | { granted: true; claim?: ProofClaim }
  | { granted: false; status: 402 | 409; code: string; message: string; retryAfter?: number; proof?: ProofStatus };

/**
 * A refusal of a presented proof.
 *
 * @example
 * return refuse(402, X402ProofErrorCode.ReferenceExpired, 'this payment reference expired; get a new one from the 402');
 */
export function refuse(status: 402 | 409, code: string, message: string): ProofDecision {
  return { granted: false, status, code, message };
}

/** The refusals of a presented proof the service answers in more than one place. */
export const refusals = {
  invalidReference: () =>
    refuse(402, X402ProofErrorCode.ReferenceInvalid, 'this payment reference was not issued here for this resource and network; get a new one from the 402'),
  expired: () => refuse(402, X402ProofErrorCode.ReferenceExpired, 'this payment reference expired before a transaction was presented; get a new one from the 402'),
  transactionUsed: () => refuse(409, X402ProofErrorCode.AlreadyUsed, 'this transaction already paid for another request'),
  referenceUsed: () => refuse(409, X402ProofErrorCode.ReferenceUsed, 'this payment reference was paid with another transaction'),
  signatureRequired: () =>
    refuse(402, X402ProofErrorCode.SignatureRequired, 'sign the payment reference with the wallet that sent the transfer (personal_sign) and send it as "signature" in the proof'),
  signatureInvalid: () => refuse(402, X402ProofErrorCode.SignatureInvalid, 'the signature is not the sender of the transfer signing this payment reference'),
};
