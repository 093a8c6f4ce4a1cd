import type { PaymentRequirements } from '@x402/core/types';
import { randomBytes } from 'node:crypto';
import type { PrivateKeyAccount } from 'viem/accounts';

/** One pre-signed payment: the header value and what identifies it on chain. */
export interface SignedPayment {
  header: string;
  payer: `0x${string}`;
  nonce: `0x${string}`;
  /** Unix seconds after which the token refuses it. */
  validBefore: number;
}

const TRANSFER_WITH_AUTHORIZATION = [
  { name: 'from', type: 'address' },
  { name: 'to', type: 'address' },
  { name: 'value', type: 'uint256' },
  { name: 'validAfter', type: 'uint256' },
  { name: 'validBefore', type: 'uint256' },
  { name: 'nonce', type: 'bytes32' },
] as const;

/**
 * Signs `count` distinct EIP-3009 payments for `accepted` (as the official client would: validAfter
 * now - 600, validBefore now + maxTimeoutSeconds, a random nonce), spread round-robin over `buyers`,
 * each encoded as an x402 v2 `PAYMENT-SIGNATURE` value. Done before a timed run, never during it.
 */
export async function signPayments(buyers: readonly PrivateKeyAccount[], accepted: PaymentRequirements, chainId: number, count: number): Promise<SignedPayment[]> {
  const now = Math.floor(Date.now() / 1000);
  const domain = { name: accepted.extra.name as string, version: accepted.extra.version as string, chainId, verifyingContract: accepted.asset as `0x${string}` };
  const payments: SignedPayment[] = [];
  for (let i = 0; i < count; i++) {
    const account = buyers[i % buyers.length];
    const authorization = {
      from: account.address,
      to: accepted.payTo as `0x${string}`,
      value: accepted.amount,
      validAfter: String(now - 600),
      validBefore: String(now + accepted.maxTimeoutSeconds),
      nonce: `0x${randomBytes(32).toString('hex')}` as `0x${string}`,
    };
    const signature = await account.signTypedData({
      domain,
      types: { TransferWithAuthorization: TRANSFER_WITH_AUTHORIZATION },
      primaryType: 'TransferWithAuthorization',
      message: { ...authorization, value: BigInt(authorization.value), validAfter: BigInt(authorization.validAfter), validBefore: BigInt(authorization.validBefore) },
    });
    const header = Buffer.from(JSON.stringify({ x402Version: 2, accepted, payload: { signature, authorization } })).toString('base64');
    payments.push({ header, payer: account.address, nonce: authorization.nonce, validBefore: Number(authorization.validBefore) });
  }
  return payments;
}
