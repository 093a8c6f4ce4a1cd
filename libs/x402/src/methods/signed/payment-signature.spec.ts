import type { PaymentRequirements } from '@x402/core/types';
import { authorizationTypes } from '@x402/evm';
import { privateKeyToAccount } from 'viem/accounts';
import { isPayerSignature } from './payment-signature.js';

const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const requirements = {
  scheme: 'exact',
  network: 'eip155:8453',
  amount: '10000',
  asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
  payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  maxTimeoutSeconds: 300,
  extra: { name: 'USD Coin', version: '2' },
} as PaymentRequirements;
const authorization = {
  from: account.address,
  to: requirements.payTo,
  value: '10000',
  validAfter: '0',
  validBefore: '9999999999',
  nonce: `0x${'ab'.repeat(32)}`,
};

async function decoded(signature: string, auth = authorization) {
  return { x402Version: 2 as const, authorization: auth, payload: { x402Version: 2, accepted: requirements, payload: { signature, authorization: auth } } } as never;
}

describe('isPayerSignature', () => {
  let signature: string;
  beforeAll(async () => {
    signature = await account.signTypedData({
      domain: { name: 'USD Coin', version: '2', chainId: 8453, verifyingContract: requirements.asset as `0x${string}` },
      types: authorizationTypes,
      primaryType: 'TransferWithAuthorization',
      message: { ...authorization, from: account.address, to: authorization.to as `0x${string}`, value: 10000n, validAfter: 0n, validBefore: 9999999999n, nonce: authorization.nonce as `0x${string}` },
    });
  });

  it('takes the payer\'s EIP-3009 signature of the authorization', async () => {
    expect(await isPayerSignature(requirements, await decoded(signature))).toBe(true);
  });

  it('refuses a random signature, one of other terms, and one under another token domain', async () => {
    expect(await isPayerSignature(requirements, await decoded(`0x${'11'.repeat(65)}`))).toBe(false);
    expect(await isPayerSignature(requirements, await decoded(signature, { ...authorization, value: '20000' }))).toBe(false);
    expect(await isPayerSignature({ ...requirements, extra: { name: 'USDC', version: '2' } }, await decoded(signature))).toBe(false);
    expect(await isPayerSignature({ ...requirements, network: 'eip155:1' }, await decoded(signature))).toBe(false);
  });
});
