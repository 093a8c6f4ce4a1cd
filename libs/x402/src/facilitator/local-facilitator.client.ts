import type { BatchSettlingFacilitator, InProcessFacilitator, PrefetchingFacilitator, RecordedGateFacilitator } from './facilitator-capabilities.js';
import { x402Facilitator } from '@x402/core/facilitator';
import type { PaymentPayload, PaymentRequirements, SettleResponse, SupportedResponse, VerifyResponse } from '@x402/core/types';
import { ExactEvmScheme } from '@x402/evm/exact/facilitator';
import { ExactEvmSchemeV1 } from '@x402/evm/exact/v1/facilitator';
import { UptoEvmScheme } from '@x402/evm/upto/facilitator';
import { isAddress, type Hex } from 'viem';
import { v1NetworkName } from '../protocol/v1-compat.js';
import { ExactFastVerifier, type ExactVerifyChain } from './exact-fast-verify.js';
import type { LocalFacilitatorOptions } from './local-facilitator.options.js';
import { ASSET_NOT_A_CONTRACT, DEFAULT_BATCH_WAIT_MS, DEFAULT_MAX_BATCH, queuedSigner, type KnownContracts } from './queued-signer.js';
import { NotRecordedError, recordedGate, wasRecorded } from './recorded-gate.js';
import { ChainUnavailableError, rpcFailures, type OperationScope } from './rpc-scope.js';
import { SettlementBatcher } from './settlement-batcher.js';

export { ChainUnavailableError };
export type { LocalFacilitatorOptions };

/**
 * An in-process facilitator: verifies with the `@x402/evm` exact scheme and settles with a local
 * wallet that pays the gas. No facilitator service needed. Networks with an x402 v1 name
 * (`base-sepolia`, `base`, ...) also take v1 payments.
 *
 * @example
 * const facilitator = new LocalFacilitatorClient({ privateKey: process.env.KEY!, rpcUrls: { 'eip155:84532': rpc } });
 */
export class LocalFacilitatorClient implements BatchSettlingFacilitator, InProcessFacilitator, PrefetchingFacilitator, RecordedGateFacilitator {
  /** Runs in this process: its settle answers are not re-read from the chain. */
  readonly inProcess = true as const;
  /** Prepares a settlement while the ledger records it as settling, and sends it once that went through (see {@link settleOnceRecorded}). */
  readonly preparesWhileRecorded = true as const;

  private readonly facilitator = new x402Facilitator();
  private readonly chains = new Map<string, { batcher: SettlementBatcher; hasMulticall(): Promise<boolean> }>();
  private readonly multicallPresent = new Map<string, Promise<boolean>>();
  private readonly knownContracts: KnownContracts = new Map();
  /** The asset-code check of each network, under its CAIP-2 id and its v1 name. */
  private readonly assetChecks = new Map<string, (asset: Hex) => Promise<boolean>>();
  /** The common payment (v2 EIP-3009 from an EOA) verified with one signature recovery and one simulation. */
  private readonly fastVerifiers = new Map<string, ExactFastVerifier>();

  constructor(options: LocalFacilitatorOptions) {
    for (const [network, rpcUrl] of Object.entries(options.rpcUrls)) {
      const { facilitatorSigner: signer, prepareAggregate, send, receipt, hasMulticall, isContract } = queuedSigner(
        options.privateKey as Hex,
        network,
        rpcUrl,
        options,
        this.knownContracts,
      );
      this.assetChecks.set(network, isContract);
      const batcher = new SettlementBatcher({
        network,
        maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
        batchWaitMs: options.batchWaitMs ?? DEFAULT_BATCH_WAIT_MS,
        prepare: prepareAggregate,
        send,
        receipt,
        alone: (item) => this.facilitator.settle(item.payload, item.requirements),
        diagnose: (item) => this.facilitator.verify(item.payload, item.requirements),
        isolate: (call) => this.watched('settle', call, () => true),
      });
      this.chains.set(network, { batcher, hasMulticall });
      this.fastVerifiers.set(network, new ExactFastVerifier(network, signer as unknown as ExactVerifyChain, rpcUrl));
      this.facilitator.register(network as `${string}:${string}`, new ExactEvmScheme(signer));
      // Usage prices (`upto`): Permit2 signatures settled through the x402 upto proxy (needs Permit2 and the proxy on the chain).
      this.facilitator.register(network as `${string}:${string}`, new UptoEvmScheme(signer));
      // v1 clients (X-PAYMENT) name the network the v1 way ("base-sepolia"); same chain, same signer.
      const v1Name = v1NetworkName(network);
      if (v1Name) {
        this.facilitator.registerV1(v1Name as `${string}:${string}`, new ExactEvmSchemeV1(signer));
        this.assetChecks.set(v1Name, isContract);
      }
    }
  }

  /**
   * Verifies a payment with the `@x402/evm` exact scheme's checks. The common payment (v2 EIP-3009
   * signed by an EOA) takes a faster way to the same answer (see {@link ExactFastVerifier}): its
   * signature is recovered once in this process, natively where possible, and the payer's code is read
   * at most every 10 s. Anything else, and every refusal, is `@x402/evm`'s own verify.
   */
  verify(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<VerifyResponse> {
    return this.watched(
      'verify',
      async () =>
        (await this.assetRefusal(paymentPayload, paymentRequirements)) ??
        (await this.fastVerifiers.get(paymentRequirements.network)?.verify(paymentPayload, paymentRequirements)) ??
        this.facilitator.verify(paymentPayload, paymentRequirements),
      (r) => r.isValid,
    );
  }

  /**
   * Starts reading what verifying the payment will need (see {@link ExactFastVerifier.prefetch}): the guard calls it
   * before it claims the payment, so that a new payer's code and balance are read while the ledger writes.
   */
  prefetch(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): void {
    this.fastVerifiers.get(paymentRequirements.network)?.prefetch(paymentPayload, paymentRequirements);
  }

  /**
   * Reads, awaited, whether the payment's token holds code, before the scheme checks it in the
   * background (see {@link KnownContracts}): a refusal when it does not, nothing when it does;
   * throws while the RPC is down (a 503, never an unhandled rejection).
   */
  private async assetRefusal(payload: PaymentPayload, requirements: PaymentRequirements): Promise<(VerifyResponse & SettleResponse) | undefined> {
    const check = this.assetChecks.get(requirements.network);
    if (!check) return undefined; // not a network of this facilitator: the facilitator says so
    const asset = requirements.asset;
    let isContract = false;
    if (typeof asset === 'string' && isAddress(asset, { strict: false })) {
      try {
        isContract = await check(asset as Hex);
      } catch (error) {
        throw new ChainUnavailableError("the chain's RPC failed while checking the payment's token", { cause: error, broadcast: false });
      }
    }
    if (isContract) return undefined;
    const from = (payload.payload as { authorization?: { from?: unknown } } | undefined)?.authorization?.from;
    const payer = typeof from === 'string' ? from : '';
    return {
      isValid: false,
      invalidReason: ASSET_NOT_A_CONTRACT,
      success: false,
      errorReason: ASSET_NOT_A_CONTRACT,
      transaction: '',
      network: requirements.network as SettleResponse['network'],
      payer,
    };
  }

  /**
   * Settles a payment. Where Multicall3 is deployed, v2 `exact` EIP-3009 payments are group-committed:
   * those that arrive while a transaction is being submitted go out together in the next one (see
   * {@link SettlementBatcher}), so concurrent payments share transactions and receipt waits instead of
   * queueing one transaction each behind the signer's nonce. Anything else is settled alone.
   */
  async settle(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<SettleResponse> {
    const refused = await this.watched('settle', () => this.assetRefusal(paymentPayload, paymentRequirements), () => true);
    if (refused) return refused;
    const chain = this.chains.get(paymentRequirements.network);
    const gate = recordedGate();
    const settled =
      chain && (await this.multicallOn(paymentRequirements.network))
        ? this.watched('settle', () => chain.batcher.settle({ payload: paymentPayload, requirements: paymentRequirements }, gate), (r) => r.success)
        : this.watched(
            'settle',
            async () => {
              if (!(await wasRecorded(gate))) throw new NotRecordedError();
              return this.facilitator.settle(paymentPayload, paymentRequirements);
            },
            (r) => r.success,
          );
    return settled.then((result) => {
      const authorization = (paymentPayload.payload as { authorization?: { from?: unknown; nonce?: unknown } } | undefined)?.authorization;
      if (typeof authorization?.from === 'string' && typeof authorization.nonce === 'string') {
        this.fastVerifiers.get(paymentRequirements.network)?.balances.settled(paymentRequirements.asset, authorization.from, authorization.nonce, result.success);
      }
      return result;
    });
  }

  /**
   * Settles several payments (an outbox batch): handed to the group commit together, the v2 `exact`
   * EIP-3009 payments of a network go out in one Multicall3 transaction whose calls may fail one by one;
   * which ones moved money is read from the receipt's `AuthorizationUsed` events. Networks without
   * Multicall3 (or any other payment kind) are settled one by one.
   */
  settleBatch(items: { payload: PaymentPayload; requirements: PaymentRequirements }[]): Promise<SettleResponse[]> {
    return Promise.all(items.map((item) => this.settle(item.payload, item.requirements)));
  }

  private multicallOn(network: string): Promise<boolean> {
    let present = this.multicallPresent.get(network);
    if (!present) {
      present = this.chains
        .get(network)!
        .hasMulticall()
        .catch(() => {
          this.multicallPresent.delete(network); // unknown, not absent: ask again next time
          return false;
        });
      this.multicallPresent.set(network, present);
    }
    return present;
  }

  /** Runs a call; a negative answer reached while the RPC was failing is an outage, not a refusal. */
  private async watched<T>(operation: string, call: () => Promise<T>, ok: (result: T) => boolean): Promise<T> {
    const scope: OperationScope = {};
    const result = await rpcFailures.run(scope, async () => {
      try {
        return await call();
      } catch (error) {
        if (scope.error) throw new ChainUnavailableError(`the chain's RPC failed during ${operation}`, { cause: scope.error, broadcast: scope.broadcast === true });
        throw error;
      }
    });
    if (!ok(result) && scope.error) throw new ChainUnavailableError(`the chain's RPC failed during ${operation}`, { cause: scope.error, broadcast: scope.broadcast === true });
    return result;
  }

  async getSupported(): Promise<SupportedResponse> {
    return this.facilitator.getSupported() as SupportedResponse;
  }
}
