import { z } from '@x402/core/schemas';
import { numberToHex } from 'viem';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const uint = z.string().regex(/^[0-9]{1,78}$/);

/** Shape of an `upto` EVM payload (a Permit2 `PermitWitnessTransferFrom` signature), checked before any facilitator call; no other keys. */
export const UptoPermit2PayloadSchema = z.object({
  signature: z.string().regex(/^0x[0-9a-fA-F]{130,}$/),
  permit2Authorization: z.object({
    from: address,
    permitted: z.object({ token: address, amount: uint }),
    spender: address,
    nonce: uint.refine((value) => BigInt(value) < 2n ** 256n, 'must fit in 256 bits'),
    deadline: uint,
    witness: z.object({ to: address, facilitator: address, validAfter: uint }),
  }),
}).strict();

export type UptoPermit2Payload = z.infer<typeof UptoPermit2PayloadSchema>;

/**
 * The fields the ledger keys and times a payment by, from a Permit2 authorization, in the shape of an
 * EIP-3009 one: payer, recipient, maximum, validity window and nonce (the Permit2 nonce as 32-byte hex).
 *
 * @example
 * asAuthorization(payload.permit2Authorization) // { from, to, value: '100000', validAfter: '0', validBefore: '1767…', nonce: '0x…' }
 */
export function asAuthorization(authorization: UptoPermit2Payload['permit2Authorization']) {
  return {
    from: authorization.from,
    to: authorization.witness.to,
    value: authorization.permitted.amount,
    validAfter: authorization.witness.validAfter,
    validBefore: authorization.deadline,
    nonce: numberToHex(BigInt(authorization.nonce), { size: 32 }),
  };
}
