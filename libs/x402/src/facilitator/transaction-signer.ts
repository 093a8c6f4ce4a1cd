import { bytesToHex, hexToBytes, keccak256, serializeTransaction, type Hex, type TransactionSerializable } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import { nativeSecp256k1 } from './typed-signature.js';

/**
 * Signs the local facilitator's transactions: through libsecp256k1 when the optional `secp256k1` binding loads
 * (~0.05 ms), else through viem's account (pure JS: 0.4-1.1 ms per transaction, on the path of every settlement).
 * Both sign deterministically (RFC 6979, low `s`) the hash viem's `signTransaction` signs, so the signed bytes are the
 * same either way (`transaction-signer.spec.ts` compares them).
 *
 * @example
 * const sign = transactionSigner(privateKey, privateKeyToAccount(privateKey));
 * const serializedTransaction = await sign({ ...prepared, nonce });
 */
export function transactionSigner(privateKey: Hex, account: PrivateKeyAccount, useNative = true): (transaction: TransactionSerializable) => Promise<Hex> {
  const key = hexToBytes(privateKey);
  return async (transaction) => {
    const binding = useNative ? await nativeSecp256k1() : undefined;
    if (!binding || typeof binding.ecdsaSign !== 'function' || transaction.type === 'eip4844') return account.signTransaction(transaction);
    const { signature, recid } = binding.ecdsaSign(keccak256(serializeTransaction(transaction), 'bytes'), key);
    const r = bytesToHex(signature.subarray(0, 32));
    const s = bytesToHex(signature.subarray(32, 64));
    return serializeTransaction(transaction, { r, s, v: recid ? 28n : 27n, yParity: recid });
  };
}
