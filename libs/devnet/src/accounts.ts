import { pbkdf2Sync } from 'node:crypto';
import { HDKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { toHex, type Address, type Hex } from 'viem';

/** The mnemonic anvil (and Hardhat) derive their default dev accounts from. Public: never use it for real funds. */
export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk';

/** A funded devnet account: BIP-44 index under {@link DEVNET_MNEMONIC}, address, key and a viem signer. */
export interface DevnetAccount {
  /** Index in the derivation path m/44'/60'/0'/0/<index>. */
  readonly index: number;
  readonly address: Address;
  readonly privateKey: Hex;
  /** A viem local account for `signTypedData`, wallet clients, etc. */
  readonly account: PrivateKeyAccount;
}

/** Roles of the well-known accounts. */
export interface DevnetAccounts {
  /** Index 0: deploys and owns TestUSDC (the only minter). */
  readonly deployer: DevnetAccount;
  /** Same account as `deployer`: the local facilitator pays settlement gas with it. */
  readonly facilitator: DevnetAccount;
  /** Index 1: the default paying client, funded with USDC at startup. */
  readonly buyer: DevnetAccount;
  /** Index 2: the merchant that receives payments (`payTo`). Starts with 0 USDC. */
  readonly payTo: DevnetAccount;
}

/** First index used by {@link deriveBuyerAccounts}; 0..2 are deployer, buyer and payTo. */
export const FIRST_EXTRA_BUYER_INDEX = 3;

function knownAccount(index: number, address: Address, privateKey: Hex): DevnetAccount {
  return Object.freeze({ index, address, privateKey, account: privateKeyToAccount(privateKey) });
}

const deployer = knownAccount(
  0,
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
);

/**
 * The well-known anvil accounts used by the devnet (each holds 10 000 ETH on a fresh anvil).
 *
 * @example
 * ```ts
 * import { DEVNET_ACCOUNTS } from '@nestjs-x402/testing';
 * const signature = await DEVNET_ACCOUNTS.buyer.account.signTypedData({ domain, types, primaryType, message });
 * const payTo = DEVNET_ACCOUNTS.payTo.address; // 0x3C44…93BC
 * ```
 */
export const DEVNET_ACCOUNTS: DevnetAccounts = Object.freeze({
  deployer,
  facilitator: deployer,
  buyer: knownAccount(
    1,
    '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  ),
  payTo: knownAccount(
    2,
    '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  ),
});

let masterKey: HDKey | undefined;
const derived = new Map<number, DevnetAccount>();

/**
 * Derives the account at `index` from {@link DEVNET_MNEMONIC} (path m/44'/60'/0'/0/<index>), the same
 * keys anvil funds with ETH. The BIP-39 seed is computed once (natively), so deriving many is cheap.
 *
 * @example
 * ```ts
 * deriveDevnetAccount(1).address; // 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 (the buyer)
 * ```
 */
export function deriveDevnetAccount(index: number): DevnetAccount {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 31) {
    throw new RangeError(`account index must be an integer in [0, 2^31), got ${index}`);
  }
  const cached = derived.get(index);
  if (cached) return cached;
  // BIP-39 seed: PBKDF2-HMAC-SHA512(mnemonic, "mnemonic" + passphrase, 2048 rounds, 64 bytes).
  masterKey ??= HDKey.fromMasterSeed(pbkdf2Sync(DEVNET_MNEMONIC.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512'));
  const key = masterKey.derive(`m/44'/60'/0'/0/${index}`).privateKey;
  if (!key) throw new Error(`could not derive a private key for index ${index}`);
  const privateKey = toHex(key);
  const signer = privateKeyToAccount(privateKey);
  const account: DevnetAccount = Object.freeze({ index, address: signer.address, privateKey, account: signer });
  derived.set(index, account);
  return account;
}

/**
 * Derives `count` extra buyer accounts (indexes 3, 4, …) for concurrency tests. `startDevnet({ buyers })`
 * funds exactly these with USDC.
 *
 * @example
 * ```ts
 * const [first, second] = deriveBuyerAccounts(2); // indexes 3 and 4
 * ```
 */
export function deriveBuyerAccounts(count: number, firstIndex = FIRST_EXTRA_BUYER_INDEX): DevnetAccount[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  return Array.from({ length: count }, (_, i) => deriveDevnetAccount(firstIndex + i));
}
