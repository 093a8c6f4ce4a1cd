/** The optional `X-PAYMENT-PROOF` request header parameter of a route that takes transaction-hash proofs. */
export const PAYMENT_PROOF_PARAMETER = {
  name: 'X-PAYMENT-PROOF',
  in: 'header',
  required: false,
  description:
    'A transaction-hash proof: base64-encoded JSON { network, transaction, reference, signature, access? } for a plain token transfer ' +
    'of exactly the amount of the `tx-hash` entry of the 402, with its `extra.reference` and the EIP-191 (personal_sign) signature of ' +
    'that reference by the sending wallet. `Paywalled-Proof` is accepted as an alias. Not yet confirmed: 402 `payment_pending` with ' +
    'Retry-After; already used: 409 (within an access window, `access` from the PAYMENT-RESPONSE reopens it).',
  schema: { type: 'string' },
};
