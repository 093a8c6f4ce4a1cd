import type { PaymentRequirements } from '@x402/core/types';
import { authorizationTypes, PERMIT2_ADDRESS, uptoPermit2WitnessTypes } from '@x402/evm';
import { getAddress, type Hex } from 'viem';
import { verifyTypedSignature } from '../../facilitator/typed-signature.js';
import type { UptoPermit2Payload } from '../../upto/permit2-payload.js';
import type { DecodedPayment } from './payment-header.codec.js';

function chainIdOf(network: string): number | undefined {
  const match = /^eip155:([0-9]{1,15})$/.exec(network);
  return match ? Number(match[1]) : undefined;
}

/**
 * Whether the payment's signature is the payer's own ECDSA signature of its authorization, checked
 * here without the chain: EIP-3009 `TransferWithAuthorization` under the token's EIP-712 domain, or
 * for `upto` the Permit2 `PermitWitnessTransferFrom`. False for anything else, including a smart
 * wallet's signature (EIP-1271/6492), which only the facilitator can check against the chain.
 *
 * A settled authorization is public, and the facilitator refuses one whose nonce is used; this is
 * what proves that a repeat of a known payment comes from someone holding a valid signature of it.
 * The check is remembered, so the local facilitator's verify does not recover the signature again.
 */
export async function isPayerSignature(requirements: PaymentRequirements, decoded: DecodedPayment): Promise<boolean> {
  const chainId = chainIdOf(requirements.network);
  const inner = decoded.payload.payload as { signature?: unknown; permit2Authorization?: UptoPermit2Payload['permit2Authorization'] };
  const signature = inner.signature;
  if (chainId === undefined || typeof signature !== 'string' || signature.length !== 132) return false;
  try {
    if (inner.permit2Authorization) {
      const p = inner.permit2Authorization;
      return await verifyTypedSignature({
        address: getAddress(p.from),
        domain: { name: 'Permit2', chainId, verifyingContract: PERMIT2_ADDRESS },
        types: uptoPermit2WitnessTypes,
        primaryType: 'PermitWitnessTransferFrom',
        message: {
          permitted: { token: getAddress(p.permitted.token), amount: BigInt(p.permitted.amount) },
          spender: getAddress(p.spender),
          nonce: BigInt(p.nonce),
          deadline: BigInt(p.deadline),
          witness: { to: getAddress(p.witness.to), facilitator: getAddress(p.witness.facilitator), validAfter: BigInt(p.witness.validAfter) },
        },
        signature: signature as Hex,
      });
    }
    const extra = requirements.extra ?? {};
    if (typeof extra.name !== 'string' || typeof extra.version !== 'string') return false;
    const a = decoded.authorization;
    return await verifyTypedSignature({
      address: getAddress(a.from),
      domain: { name: extra.name, version: extra.version, chainId, verifyingContract: getAddress(requirements.asset) },
      types: authorizationTypes,
      primaryType: 'TransferWithAuthorization',
      message: {
        from: getAddress(a.from),
        to: getAddress(a.to),
        value: BigInt(a.value),
        validAfter: BigInt(a.validAfter),
        validBefore: BigInt(a.validBefore),
        nonce: a.nonce as Hex,
      },
      signature: signature as Hex,
    });
  } catch {
    return false;
  }
}
