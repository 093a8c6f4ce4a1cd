/**
 * Stable codes of transaction-hash proof answers (402 unless noted). `payment_already_used` is the
 * module's general code for a payment presented again.
 *
 * @example
 * if (body.error === X402ProofErrorCode.Pending) await sleep(Number(res.headers.get('retry-after')) * 1000);
 */
export const X402ProofErrorCode = {
  /** 400: the `X-PAYMENT-PROOF` header is not base64 JSON `{ network, transaction, reference, signature?, access? }`. */
  InvalidProof: 'invalid_payment_proof',
  /** The transaction is not mined yet, or has fewer confirmations than the network's policy (with `Retry-After`). */
  Pending: 'payment_pending',
  /** 404 of the status endpoint: no such reference. (Presented proofs get `payment_reference_invalid` instead.) */
  UnknownReference: 'payment_reference_unknown',
  /** The reference expired before a transaction was presented for it. */
  ReferenceExpired: 'payment_reference_expired',
  /** The reference was not issued by this server for this resource, network, token and recipient (forged, altered, or quoted elsewhere). */
  ReferenceInvalid: 'payment_reference_invalid',
  /** Kept for compatibility: a reference for another resource or network is now `payment_reference_invalid`. */
  ReferenceMismatch: 'payment_reference_mismatch',
  /** 409: the reference was already paid with another transaction. */
  ReferenceUsed: 'payment_reference_used',
  /** The transaction reverted. */
  TransactionFailed: 'payment_transaction_failed',
  /** The transaction moves no token to the recipient. */
  TransferMissing: 'payment_transfer_missing',
  /** The transaction sends another token to the recipient. */
  WrongAsset: 'payment_wrong_asset',
  /** The transaction sends the token to another address. */
  WrongRecipient: 'payment_wrong_recipient',
  /** The transaction moves less than the quoted amount. */
  Insufficient: 'payment_insufficient',
  /** The transaction moves more than the quoted amount: exactly the quoted amount pays a reference. */
  AmountMismatch: 'payment_amount_mismatch',
  /** The transaction is not a plain transfer by the payer (e.g. a settlement a facilitator sent for the payer). */
  NotPayerTransfer: 'payment_not_payer_transfer',
  /** The proof carries no signature of the reference by the payer (the `from` of the transfer). */
  SignatureRequired: 'payment_signature_required',
  /** The signature of the proof is not the payer's signature of the reference. */
  SignatureInvalid: 'payment_signature_invalid',
  /** The transaction was mined before the quote: it cannot pay for it. */
  TooOld: 'payment_transaction_too_old',
  /** 409: the transaction already paid for another request (or settled a signed x402 payment). */
  AlreadyUsed: 'payment_already_used',
  /** 409: another request is being served with this payment right now. */
  InProgress: 'payment_in_progress',
  /** 409: the request held the payment longer than the claim hold and another took it over; this response is withheld. */
  ClaimLost: 'payment_claim_lost',
  /** 500: the payment store has no place for references (a custom `PaymentStore` without `proofStore()`, and no `proofs.store`). */
  Unavailable: 'payment_proofs_unavailable',
} as const;
