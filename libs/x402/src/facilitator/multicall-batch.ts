import type { PaymentPayload, PaymentRequirements } from '@x402/core/types';
import { eip3009ABI } from '@x402/evm';
import { encodeFunctionData, parseAbi, parseEventLogs, parseSignature, type Hex, type Log } from 'viem';

/** Canonical Multicall3 address (the same on every EVM chain that has it). */
export const MULTICALL3 = '0xcA11bde05977b3631167028862bE2a173976CA11' as const;

export const MULTICALL3_ABI = parseAbi([
  'struct Call3 { address target; bool allowFailure; bytes callData; }',
  'struct Result { bool success; bytes returnData; }',
  'function aggregate3(Call3[] calls) payable returns (Result[] returnData)',
]);

const AUTHORIZATION_USED_ABI = parseAbi(['event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)']);

interface Eip3009Authorization {
  from: Hex;
  to: Hex;
  value: string;
  validAfter: string;
  validBefore: string;
  nonce: Hex;
}

/** One `transferWithAuthorization` of a verified payment, as a Multicall3 call that may fail alone. */
export function transferCall(payload: PaymentPayload, requirements: PaymentRequirements): { target: Hex; allowFailure: true; callData: Hex } {
  const { authorization, signature } = payload.payload as { authorization: Eip3009Authorization; signature: Hex };
  const { v, r, s, yParity } = parseSignature(signature);
  const callData = encodeFunctionData({
    abi: eip3009ABI,
    functionName: 'transferWithAuthorization',
    args: [
      authorization.from,
      authorization.to,
      BigInt(authorization.value),
      BigInt(authorization.validAfter),
      BigInt(authorization.validBefore),
      authorization.nonce,
      Number(v ?? BigInt(yParity + 27)),
      r,
      s,
    ],
  });
  return { target: requirements.asset as Hex, allowFailure: true, callData };
}

/** The (authorizer, nonce) pairs whose authorization a transaction used, from its receipt logs. */
export function usedAuthorizations(logs: readonly Log[]): Set<string> {
  const used = new Set<string>();
  for (const log of parseEventLogs({ abi: AUTHORIZATION_USED_ABI, logs: logs as Log[], eventName: 'AuthorizationUsed', strict: false })) {
    if (log.args.authorizer && log.args.nonce) used.add(`${log.args.authorizer.toLowerCase()}:${log.args.nonce.toLowerCase()}`);
  }
  return used;
}

export function authorizationKey(payload: PaymentPayload): string {
  const { authorization } = payload.payload as { authorization: Eip3009Authorization };
  return `${authorization.from.toLowerCase()}:${authorization.nonce.toLowerCase()}`;
}
