/** The optional `X-PAYMENT-PROOF` request header parameter of a route that takes transaction-hash proofs. */
export const PAYMENT_PROOF_PARAMETER = {
  name: 'X-PAYMENT-PROOF',
  in: 'header',
  required: false,
  description:
    'A transaction-hash proof: base64-encoded JSON { network, transaction, reference } for a plain token transfer that pays the ' +
    '`tx-hash` entry of the 402 (its `extra.reference`). Not yet confirmed: 402 `payment_pending` with Retry-After; already used: 409.',
  schema: { type: 'string' },
};
