import type { FacilitatorClient, FacilitatorConfig } from '@x402/core/server';
import type { PaymentStore } from './ledger/payment-store.interface.js';
import type { X402ProofOptions } from './proofs/proof-options.js';
import type { SignInNonceStore } from './sessions/sign-in-nonce.store.js';

/** A CAIP-2 network id such as `eip155:8453` (Base) or `eip155:84532` (Base Sepolia). */
export type Network = `${string}:${string}`;

/** The token a network is paid in: its address, EIP-712 domain and decimals. */
export interface X402AssetOptions {
  /** Token contract address. */
  address: string;
  /** EIP-712 domain `name` of the token (e.g. `USD Coin` on Base). */
  name: string;
  /** EIP-712 domain `version` of the token (e.g. `2`). */
  version: string;
  /** Decimals of the token (6 for USDC). */
  decimals: number;
  /** Display symbol, default `USDC`. */
  symbol?: string;
}

/** Verify and settle through a facilitator service over HTTP (`/verify`, `/settle`, `/supported`). */
export interface X402RemoteFacilitatorOptions {
  type: 'remote';
  /** Base URL of the facilitator, e.g. `https://facilitator.example.com`. */
  url: string;
  /** Per-request timeout in milliseconds (default 30 000). */
  timeoutMs?: number;
  /**
   * Authentication headers per facilitator path, for hosted facilitators that need an API key
   * (e.g. CDP): `async () => ({ verify: { Authorization: 'Bearer …' }, settle: {…}, supported: {…} })`.
   * Called before every request, so it can mint short-lived tokens.
   */
  createAuthHeaders?: FacilitatorConfig['createAuthHeaders'];
  /** How long the facilitator's `/supported` answer is reused before it is fetched again (default 300 000 ms). */
  supportedCacheTtlMs?: number;
  /** Largest verify or settle answer read (default 65 536 bytes; `/supported` gets at least 1 MiB); past it the call fails with `502 facilitator_response_too_large`. */
  maxResponseBytes?: number;
}

/** Verify and settle in-process with a wallet that pays the gas (`@x402/evm` facilitator scheme). */
export interface X402LocalFacilitatorOptions {
  type: 'local';
  /** Private key of the gas-paying signer. Read it from the environment; it is never logged. */
  privateKey: string;
  /** JSON-RPC URL per accepted network. */
  rpcUrls: Record<string, string>;
  /** Bound on each wait for a transaction receipt (default 60 000 ms). */
  confirmationTimeoutMs?: number;
}

/** Any object that speaks the facilitator interface of `@x402/core`. */
export interface X402CustomFacilitatorOptions {
  type: 'client';
  client: FacilitatorClient;
}

/** Where payments are verified and settled: a facilitator service, an in-process wallet, or any facilitator client. */
export type X402FacilitatorOptions =
  | X402RemoteFacilitatorOptions
  | X402LocalFacilitatorOptions
  | X402CustomFacilitatorOptions;

/**
 * Options of {@link X402Module}. Validated at startup; a bad value fails the boot with a message naming it.
 *
 * @example
 * X402Module.forRoot({
 *   networks: ['eip155:84532'],
 *   payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
 *   facilitator: { type: 'remote', url: 'https://facilitator.example.com' },
 * })
 */
export interface X402ModuleOptions {
  /** Networks a payer may use (CAIP-2). Each becomes one entry of `accepts`. */
  networks: string[];
  /** Token per network; defaults to the known USDC of the network (Base, Base Sepolia, ...). */
  assets?: Record<string, X402AssetOptions>;
  /** Address that receives payments; a route may override it. */
  payTo: string;
  /** Where payments are verified and settled. */
  facilitator: X402FacilitatorOptions;
  /** Public base URL of the API (e.g. `https://api.example.com`), used for `resource.url`. Default: from the request. */
  publicUrl?: string;
  /** Seconds a signed payment stays valid for settlement (default 300). */
  maxTimeoutSeconds?: number;
  /** Largest accepted payment header, in bytes (default 8 KiB; Node itself refuses headers over 16 KiB in all). */
  maxPaymentHeaderBytes?: number;
  /** Where claims and receipts are kept; default an in-memory store (one process only). Use `TypeOrmPaymentStore` for Postgres. */
  store?: PaymentStore;
  /** How repeats of one payment are answered and how long their traces are kept. */
  ledger?: X402LedgerOptions;
  /** Client idempotency ids: the `payment-identifier` extension and the `Idempotency-Key` header. */
  idempotency?: X402IdempotencyOptions;
  /** When money moves relative to the handler, and how deferred settlements are worked off. */
  settlement?: X402SettlementOptions;
  /** Transaction-hash proofs (`@Priced(price, { txProof: true })`): confirmations per network, quote lifetime. */
  proofs?: X402ProofOptions;
  /** Paid sessions (`@Priced(price, { access })`, sign-in-with-x): where issued sign-in nonces are kept (default the payment store's, else in memory). */
  sessions?: { nonceStore?: SignInNonceStore };
}

/** When money moves: `authorization` (verify, handler, settle, respond), `upfront` (settle first) or `deferred` (respond, settle in the background). */
export type X402SettlementMode = 'authorization' | 'upfront' | 'deferred';

/** When and how payments are settled (`settlement` in the module options). */
export interface X402SettlementOptions {
  /** Default mode of every priced route (a route may choose its own). Default `authorization`. */
  mode?: X402SettlementMode;
  /**
   * JSON-RPC URL per network, to reconcile settlements whose outcome is unknown (sent, never
   * confirmed) by reading the chain. Defaults to the local facilitator's `rpcUrls`; required for
   * every network with a remote facilitator (its settle can time out or fail after sending).
   */
  rpcUrls?: Record<string, string>;
  /** How long one settlement may take before it counts as interrupted and is reconciled (default 120 000 ms). */
  holdMs?: number;
  /** How often interrupted settlements are looked for (default 15 000 ms; 0 disables). */
  reconcileIntervalMs?: number;
  deferred?: X402DeferredOptions;
}

/** The deferred-settlement outbox and the exposure it may run up. */
export interface X402DeferredOptions {
  /** Most USD served but not yet settled for one payer; past it, routes fall back to `authorization`. Default `'1.00'`. */
  maxUnsettledPerPayer?: string;
  /** Most USD served but not yet settled in all; past it, routes fall back to `authorization`. Default `'100.00'`. */
  maxUnsettledTotal?: string;
  /** Run the outbox worker in this instance (default true). */
  worker?: boolean;
  /** Pause between outbox polls when it is empty (default 250 ms). */
  pollIntervalMs?: number;
  /** Payments taken per poll (default 25). */
  batchSize?: number;
  /**
   * After the outbox settled something, how long the payments queued next are collected before they are taken, so
   * that they go out in one transaction (default 200 ms; 0 takes each as soon as it is queued). The first payment
   * after a quiet spell is taken at once. Under load this is what makes batches: one transaction and one check per
   * window instead of one per payment (less gas, and less CPU taken from the requests being served).
   */
  batchWindowMs?: number;
  /** Attempts before a payment is given up as failed (default 8). */
  maxAttempts?: number;
  /** First retry delay; doubled each attempt (default 500 ms). */
  retryBaseMs?: number;
  /** A deferred payment must be settled this many seconds before its authorization expires (default 30). */
  marginSeconds?: number;
}

/** Replay and retention behaviour of the payment ledger. */
export interface X402LedgerOptions {
  /** Keep each paid response so a repeat of the same payment gets it again (default true). Off: repeats get 402 `payment_already_used`. */
  snapshots?: boolean;
  /** Largest response body kept for replay, in bytes of JSON (default 64 KiB); larger responses are not replayable. */
  snapshotMaxBytes?: number;
  /** Snapshots and failed attempts older than this are purged (default 7 days). Receipts are kept. */
  retentionSeconds?: number;
  /** How often the purge runs (default 3600 s; 0 disables). */
  purgeIntervalSeconds?: number;
  /**
   * A repeat of a settled payment without the original's idempotency id gets the stored response only
   * within this many seconds of the settlement (a client's retry), else 402 `payment_already_used`
   * (default 60). Repeats carrying the original's `payment-identifier` / `Idempotency-Key` replay any time.
   */
  replayWindowSeconds?: number;
  /** How long a repeat waits for the first use of a payment to finish before it gets 409 `payment_in_progress` (default 3000 ms). */
  inFlightWaitMs?: number;
}

/** Idempotency ids (`payment-identifier` extension or `Idempotency-Key` header) of paid requests. */
export interface X402IdempotencyOptions {
  /** Declare `payment-identifier` as required in every 402; payments without an id get 400 (default false). */
  required?: boolean;
}
