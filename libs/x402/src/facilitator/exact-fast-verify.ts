import type { PaymentPayload, PaymentRequirements, VerifyResponse } from '@x402/core/types';
import { authorizationTypes, eip3009ABI } from '@x402/evm';
import { AsyncLocalStorage } from 'node:async_hooks';
import { erc20Abi, getAddress, isAddress, parseSignature, type Abi, type Hex } from 'viem';
import { PayerBalances } from './payer-balances.js';
import { PAYER_CODE_TTL_MS, payerCodes } from './payer-code-cache.js';
import { verifyTypedSignature } from './typed-signature.js';

/** The chain reads of one network, through the local facilitator's signer (its RPC failures watched). */
export interface ExactVerifyChain {
  getCode(args: { address: Hex }): Promise<Hex | undefined>;
  readContract(args: { address: Hex; abi: Abi | readonly unknown[]; functionName: string; args: readonly unknown[] }): Promise<unknown>;
}

const settlingScope = new AsyncLocalStorage<true>();

/**
 * Runs a verify whose payment the caller settles through this facilitator before it releases anything
 * (the guard: `authorization` and `upfront` modes), or soon after within its exposure caps (`deferred`).
 * There the balance is checked against the payer's balance read at most every few seconds, less what
 * this process has verified and not yet settled for that payer, instead of simulating each payment on
 * chain; the nonce is the ledger's to keep unique, and the token checks balance, nonce and signature
 * again when it settles. A payment the known balance does not cover is simulated as usual.
 */
export function verifyBeforeSettling<T>(call: () => Promise<T>): Promise<T> {
  return settlingScope.run(true, call);
}

interface Eip3009 {
  signature: string;
  authorization: { from: string; to: string; value: string; validAfter: string; validBefore: string; nonce: string };
}

/**
 * The `exact` scheme's verify for the common payment, a v2 EIP-3009 authorization signed by an EOA,
 * with every check of `@x402/evm`'s verify, in its order, each once: scheme and network, the token's
 * EIP-712 domain, the payer's code (read at most every {@link PAYER_CODE_TTL_MS}), the signature (one
 * recovery per payment in this process, see {@link verifyTypedSignature}), recipient, time window
 * (valid now and for 6 more seconds), amount, then the token's own `transferWithAuthorization`
 * simulated (balance, nonce unused, signature as the token sees it), or, inside
 * {@link verifyBeforeSettling}, the balance the payer is known to have. The asset's code is the caller's
 * check. Answers only "valid": a payment that is anything else or fails a check gets `undefined`, and
 * the caller asks `@x402/evm`, whose refusal carries the scheme's reason.
 */
export class ExactFastVerifier {
  /** Balances of payers, for verifies run through {@link verifyBeforeSettling}. */
  readonly balances: PayerBalances;

  constructor(
    private readonly network: string,
    private readonly chain: ExactVerifyChain,
    /** The chain's RPC URL: the key of its payers' codes in {@link payerCodes}. */
    private readonly endpoint: string,
  ) {
    this.balances = new PayerBalances((asset, payer) =>
      chain.readContract({ address: asset, abi: erc20Abi, functionName: 'balanceOf', args: [payer] }) as Promise<bigint>,
    );
  }

  async verify(payload: PaymentPayload, requirements: PaymentRequirements, nowSeconds = Math.floor(Date.now() / 1000)): Promise<VerifyResponse | undefined> {
    if (payload.x402Version !== 2 || requirements.scheme !== 'exact' || requirements.network !== this.network) return undefined;
    if (payload.accepted?.scheme !== 'exact' || payload.accepted.network !== requirements.network) return undefined;
    const inner = (payload.payload ?? {}) as Partial<Eip3009> & { permit2Authorization?: unknown };
    const { signature, authorization: a } = inner;
    if (inner.permit2Authorization !== undefined || !a || typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) return undefined;
    const { name, version } = (requirements.extra ?? {}) as { name?: unknown; version?: unknown };
    if (typeof name !== 'string' || !name || typeof version !== 'string' || !version) return undefined;
    try {
      if (settlingScope.getStore()) this.balances.prefetch(requirements.asset as Hex, a.from as Hex); // read beside the code
      if (!(await this.isEoa(getAddress(a.from)))) return undefined; // a smart wallet: ERC-1271 / 6492, the reference way
      const signed = await verifyTypedSignature({
        address: a.from,
        domain: { name, version, chainId: Number(requirements.network.slice('eip155:'.length)), verifyingContract: getAddress(requirements.asset) },
        types: authorizationTypes,
        primaryType: 'TransferWithAuthorization',
        message: { from: a.from, to: a.to, value: BigInt(a.value), validAfter: BigInt(a.validAfter), validBefore: BigInt(a.validBefore), nonce: a.nonce },
        signature: signature as Hex,
      } as Parameters<typeof verifyTypedSignature>[0]);
      if (!signed) return undefined;
      if (getAddress(a.to) !== getAddress(requirements.payTo)) return undefined;
      if (BigInt(a.validBefore) < BigInt(nowSeconds + 6) || BigInt(a.validAfter) > BigInt(nowSeconds)) return undefined;
      if (BigInt(a.value) !== BigInt(requirements.amount)) return undefined;
      if (settlingScope.getStore() && (await this.balances.reserve(getAddress(requirements.asset), getAddress(a.from), a.nonce, BigInt(a.value), Number(a.validBefore)))) {
        return { isValid: true, invalidReason: undefined, payer: a.from };
      }
      const parsed = parseSignature(signature as Hex);
      await this.chain.readContract({
        address: getAddress(requirements.asset),
        abi: eip3009ABI,
        functionName: 'transferWithAuthorization',
        args: [getAddress(a.from), getAddress(a.to), BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce, parsed.v ?? parsed.yParity, parsed.r, parsed.s],
      });
    } catch {
      return undefined; // a malformed field, an RPC failure or a simulation that reverts: the reference says what it is
    }
    return { isValid: true, invalidReason: undefined, payer: a.from };
  }

  /**
   * Starts reading what {@link verify} will need of a common payment's payer and has not read lately (its code, its
   * balance), without reserving anything: the verify shares the reads in flight. Anything else is left alone.
   */
  prefetch(payload: PaymentPayload, requirements: PaymentRequirements): void {
    if (payload.x402Version !== 2 || requirements.scheme !== 'exact' || requirements.network !== this.network) return;
    const from = (payload.payload as Partial<Eip3009> | undefined)?.authorization?.from;
    if (typeof from !== 'string' || !isAddress(from, { strict: false }) || !isAddress(requirements.asset, { strict: false })) return;
    this.balances.prefetch(requirements.asset as Hex, from as Hex);
    this.isEoa(getAddress(from)).catch(() => undefined); // a failed read is not remembered: the verify reads again
  }

  /** Whether `payer` holds no code (the process's {@link payerCodes}: read once per TTL, shared with deferred mode's check). */
  private async isEoa(payer: Hex): Promise<boolean> {
    const code = await payerCodes.hasCode(this.endpoint, payer, async () => {
      const read = await this.chain.getCode({ address: payer });
      return !!read && read !== '0x';
    });
    return !code;
  }
}
