/**
 * Stable codes of transaction-hash proof answers (402 unless noted). `payment_already_used` is the
 * module's general code for a payment presented again.
 *
 * @example
 * if (body.error === X402ProofErrorCode.Pending) await sleep(Number(res.headers.get('retry-after')) * 1000);
 */
export const X402ProofErrorCode = {
  /** 400: the `X-PAYMENT-PROOF` header is not base64 JSON `{ network, transaction, reference }`. */
  InvalidProof: 'invalid_payment_proof',
  /** The transaction is not mined yet, or has fewer confirmations than the network's policy (with `Retry-After`). */
  Pending: 'payment_pending',
  /** No such reference: it was never quoted here (or was purged). */
  UnknownReference: 'payment_reference_unknown',
  /** The reference expired before a transaction was presented for it. */
  ReferenceExpired: 'payment_reference_expired',
  /** The reference was quoted for another resource or network. */
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
  /** The transaction was mined before the quote: it cannot pay for it. */
  TooOld: 'payment_transaction_too_old',
  /** 409: the transaction already paid for another request (or settled a signed x402 payment). */
  AlreadyUsed: 'payment_already_used',
  /** 409: another request is being served with this payment right now. */
  InProgress: 'payment_in_progress',
  /** 500: the payment store has no place for references (a custom `PaymentStore` without `proofStore()`, and no `proofs.store`). */
  Unavailable: 'payment_proofs_unavailable',
} as const;
