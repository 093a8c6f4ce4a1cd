import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { bytesToHex, type Hex, type TransactionSerializable } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { transactionSigner } from './transaction-signer.js';
import { nativeSecp256k1 } from './typed-signature.js';

const hex = (bytes: number) => bytesToHex(randomBytes(bytes));

/** Transactions of the kinds the local facilitator sends: EIP-1559 (most chains) and legacy (a chain without it). */
function transactions(): TransactionSerializable[] {
  const to = hex(20) as Hex;
  return [
    { chainId: 31337, type: 'eip1559', to, data: hex(292), gas: 90_000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, nonce: 7 },
    { chainId: 8453, type: 'eip1559', to, data: hex(1500), gas: 1_500_000n, maxFeePerGas: 10_000_000n, maxPriorityFeePerGas: 1n, nonce: 123_456 },
    { chainId: 84532, type: 'legacy', to, data: hex(68), gas: 60_000n, gasPrice: 1_000_000_000n, nonce: 0 },
    { chainId: 1, type: 'eip2930', to, data: '0x', gas: 21_000n, gasPrice: 30_000_000_000n, nonce: 3, accessList: [] },
  ];
}

describe('transactionSigner', () => {
  it('loads the native binding here (else the comparison below would compare viem with itself)', async () => {
    expect(typeof (await nativeSecp256k1())?.ecdsaSign).toBe('function');
  });

  it('signs exactly the bytes viem signs, for 50 keys and every kind of transaction the facilitator sends', async () => {
    for (let i = 0; i < 50; i++) {
      const key = generatePrivateKey();
      const account = privateKeyToAccount(key);
      const sign = transactionSigner(key, account);
      for (const transaction of transactions()) expect(await sign(transaction)).toBe(await account.signTransaction(transaction));
    }
  });

  it('falls back to viem without the binding', async () => {
    const key = generatePrivateKey();
    const account = privateKeyToAccount(key);
    const [transaction] = transactions();
    expect(await transactionSigner(key, account, false)(transaction)).toBe(await account.signTransaction(transaction));
  });
});
