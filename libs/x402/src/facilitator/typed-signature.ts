import { authorizationTypes } from '@x402/evm';
import { hashTypedData, keccak256, recoverAddress, type Hex, type TypedDataDefinition } from 'viem';
import { transferAuthorizationDigest, type TransferAuthorization } from './authorization-digest.js';

// One ECDSA check of an EIP-712 signature per payment in this process: the guard's local check and the local
// facilitator's verify share it. Recovery goes through libsecp256k1 (the optional `secp256k1` package,
// ~0.08 ms) when its prebuilt binding loads, else through viem's pure-JS recovery (~1.4 ms), the one
// `@x402/evm` uses; either way a signature proven a moment ago is not recovered again.

/** The part of the `secp256k1` package's binding used here. */
interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array;
  /** RFC 6979 deterministic signature, low `s` (as viem signs). */
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
}

/** Not a literal, so that no compiler or bundler insists on the optional package. */
const NATIVE_MODULE = ['secp256k1', 'bindings.js'].join('/');
let native: Promise<NativeSecp256k1 | undefined> | undefined;

/** The native binding, loaded once; undefined where the optional package or its prebuilt binary is missing. */
export function nativeSecp256k1(): Promise<NativeSecp256k1 | undefined> {
  native ??= import(NATIVE_MODULE).then(
    (module: { default?: NativeSecp256k1 } & Partial<NativeSecp256k1>) => {
      const binding = (module.default ?? module) as NativeSecp256k1;
      return typeof binding.ecdsaRecover === 'function' ? binding : undefined;
    },
    () => undefined,
  );
  return native;
}

/** Positive checks remembered: `digest signature address`. Bounded; the oldest goes first. */
const proven = new Set<string>();
const MAX_PROVEN = 8192;

function remember(key: string): void {
  if (proven.size >= MAX_PROVEN) proven.delete(proven.values().next().value!);
  proven.add(key);
}

/**
 * The recovery bit of a 65-byte signature's last byte, as viem reads it (0, 1, 27 or 28; anything else
 * is no signature).
 */
function recoveryBit(v: number): number | undefined {
  if (v === 0 || v === 1) return v;
  if (v === 27 || v === 28) return v - 27;
  return undefined;
}

/**
 * The address that signed `digest`, recovered from a 65-byte `r || s || v` signature; undefined when
 * it does not recover (malformed, `r` or `s` out of range, no point). Same answers as viem's
 * `recoverAddress`, which `@x402/evm` uses: high `s` is accepted with its matching `v`, as there.
 * `useNative: false` forces the pure-JS path.
 */
export async function recoverSigner(digest: Hex, signature: Hex, useNative = true): Promise<string | undefined> {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return undefined;
  const binding = useNative ? await nativeSecp256k1() : undefined;
  if (!binding) {
    try {
      return (await recoverAddress({ hash: digest, signature })).toLowerCase();
    } catch {
      return undefined;
    }
  }
  const bit = recoveryBit(parseInt(signature.slice(130, 132), 16));
  if (bit === undefined) return undefined;
  try {
    const bytes = Buffer.from(signature.slice(2, 130), 'hex');
    const publicKey = binding.ecdsaRecover(bytes, bit, Buffer.from(digest.slice(2), 'hex'), false);
    return `0x${keccak256(publicKey.subarray(1)).slice(26)}`;
  } catch {
    return undefined;
  }
}

/** What {@link verifyTypedSignature} checks: the typed data, who must have signed it, and the signature. */
export type TypedSignatureCheck = TypedDataDefinition & { address: string; signature: Hex };

/**
 * Whether `signature` is `address`'s own ECDSA signature of the typed data (an EOA's: no code is read,
 * a smart wallet's signature is false here). Typed data that viem refuses to hash (an address with a
 * wrong checksum, a value out of range) is false, as in `@x402/evm`'s `verifyTypedDataSignature`.
 * A signature proven in this process a moment ago is not recovered again.
 */
export async function verifyTypedSignature(check: TypedSignatureCheck, useNative = true): Promise<boolean> {
  let digest: Hex | undefined;
  try {
    const { address: _, signature: __, ...typedData } = check;
    if (typedData.primaryType === 'TransferWithAuthorization' && typedData.types === authorizationTypes) {
      digest = transferAuthorizationDigest(typedData.domain as Record<string, unknown>, typedData.message as unknown as TransferAuthorization);
    }
    digest ??= hashTypedData(typedData as TypedDataDefinition);
  } catch {
    return false;
  }
  if (typeof check.address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(check.address)) return false;
  const key = `${digest} ${check.signature.toLowerCase()} ${check.address.toLowerCase()}`;
  if (proven.has(key)) return true;
  const signer = await recoverSigner(digest, check.signature, useNative);
  if (signer === undefined || signer !== check.address.toLowerCase()) return false;
  remember(key);
  return true;
}

/** Forgets the remembered checks (tests). */
export function forgetProvenSignatures(): void {
  proven.clear();
}
