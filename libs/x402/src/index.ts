/**
 * `@nestjs-x402/core`: charge for NestJS routes with x402.
 *
 * The root entry holds what an app needs to price routes: the module, the decorators, options, errors,
 * events, receipts and the payment store contract. Optional integrations live in entries of their own so
 * that an app loads (and installs) only what it uses: `/typeorm`, `/openapi`, `/discovery`, `/health`,
 * `/metrics`, `/logging`, `/proofs`, `/local-facilitator`.
 *
 * @example
 * ```ts
 * import { Priced, X402Module } from '@nestjs-x402/core';
 * ```
 */
export { X402Module } from './x402.module.js';
export { X402_MODULE_OPTIONS } from './x402.module-definition.js';
export type {
  Network,
  X402AssetOptions,
  X402CustomFacilitatorOptions,
  X402FacilitatorOptions,
  X402LocalFacilitatorOptions,
  X402ModuleOptions,
  X402RemoteFacilitatorOptions,
  X402LedgerOptions,
  X402IdempotencyOptions,
  X402SettlementOptions,
  X402SettlementMode,
  X402DeferredOptions,
} from './x402.options.js';
export type { AcceptedNetwork, ResolvedAsset, X402Config } from './config/x402.config.js';
export { X402_CONFIG, X402_FACILITATOR } from './x402.tokens.js';
export {
  PAYMENT_PROOF_HEADER,
  PAYMENT_PROOF_HEADER_ALIAS,
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_RESPONSE_HEADER,
  PAYMENT_SIGNATURE_HEADER,
  X402_ALLOWED_HEADERS,
  X402_EXPOSED_HEADERS,
  X_PAYMENT_HEADER,
  X_PAYMENT_RESPONSE_HEADER,
} from './x402.constants.js';
export { X402ConfigError, X402ErrorCode, X402HttpException, type X402ErrorBody, type X402ErrorCodeValue } from './x402.errors.js';
export { Free, Priced, type PricedOptions } from './http/priced.decorator.js';
export { ValidateBeforePayment, type RequestCheck, type RequestToValidate } from './pricing/validate-before-payment.decorator.js';
export { formatAtomic, parseUsdAmount, type AtomicPrice, type DynamicPrice, type PriceInput, type StaticPrice } from './pricing/price.js';
export type { UpToPrice } from './upto/upto-price.js';
export type { UsageMeter } from './upto/usage-meter.js';
export { X402Usage, usageOf } from './upto/usage.decorator.js';
export { X402Events } from './events/x402.events.js';
export type {
  X402ChallengeEvent,
  X402Event,
  X402EventListener,
  X402EventOf,
  X402EventType,
  X402FacilitatorErrorEvent,
  X402FailedEvent,
  X402PaymentFacts,
  X402PaymentStage,
  X402ReplayedEvent,
  X402RpcErrorEvent,
  X402SettledEvent,
  X402VerifiedEvent,
} from './events/x402-event.types.js';
export { X402Guard } from './http/x402.guard.js';
export { X402Interceptor } from './http/x402.interceptor.js';
export { X402Challenges } from './http/x402-challenges.js';
export {
  PaymentRefusal,
  type Admission,
  type LeaseContext,
  type PaymentAttempt,
  type PaymentLease,
  type PaymentMethod,
  type PaymentRequest,
} from './methods/payment-method.js';
export { PaymentMethodRegistry, X402_PAYMENT_METHODS } from './methods/payment-methods.registry.js';
export { X402SessionsModule } from './sessions/x402-sessions.module.js';
export { X402ReceiptsService } from './ledger/receipts.service.js';
export {
  reconcileLedger,
  type ReconcileOptions,
  type ReconciliationEntry,
  type ReconciliationMismatch,
  type ReconciliationReport,
} from './settlement/reconciliation-report.js';
export { InMemoryPaymentStore, type InMemoryPaymentStoreOptions } from './ledger/in-memory-payment.store.js';
export { SIGN_IN_NONCE_STORE, signInNonceStoreOf, type SignInNonceSource, type SignInNonceStore } from './sessions/sign-in-nonce.store.js';
export { InMemorySignInNonceStore, type InMemorySignInNonceStoreOptions } from './sessions/in-memory-sign-in-nonce.store.js';
export { PAID_CACHE_CONTROL, PAYMENT_VARY_HEADERS } from './http/cache-headers.js';
export {
  PAYMENT_STORE,
  type ClaimOptions,
  type DeferredCaps,
  type ClaimResult,
  type ExposureRow,
  type OutboxStats,
  type PaymentClaim,
  type PaymentRecord,
  type PaymentState,
  type PaymentStore,
  type PaymentClaims,
  type SettlementOutbox,
  type ReceiptQueries,
  type LedgerMaintenance,
  type PendingSettlement,
  type ReceiptFilter,
  type ResponseSnapshot,
  type RevenueQuery,
  type RevenueRow,
  type SettledAmounts,
  type SettlementMode,
} from './ledger/payment-store.interface.js';
