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
export { resolveX402Config, type AcceptedNetwork, type ResolvedAsset, type X402Config } from './config/x402.config.js';
export { X402_CONFIG, X402_FACILITATOR } from './x402.tokens.js';
export {
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_RESPONSE_HEADER,
  PAYMENT_SIGNATURE_HEADER,
  X402_ALLOWED_HEADERS,
  X402_EXPOSED_HEADERS,
  X_PAYMENT_HEADER,
  X_PAYMENT_RESPONSE_HEADER,
} from './x402.constants.js';
export { X402ConfigError, X402ErrorCode, X402HttpException, type X402ErrorBody, type X402ErrorCodeValue } from './x402.errors.js';
export { Free, Priced, X402_PRICE_METADATA, type PriceMetadata, type PricedOptions } from './pricing/priced.decorator.js';
export { formatAtomic, parseUsdAmount, quotePrice, PriceError, type AtomicPrice, type DynamicPrice, type PriceInput, type Quote, type StaticPrice } from './pricing/price.js';
export { RoutePricingService, type RouteOffer, type RoutePlan } from './pricing/route-pricing.service.js';
// Observability (issue #8): the event stream metrics and logs subscribe to; outcome logs through Nest's Logger.
export { X402Events } from './events/x402.events.js';
export { outageEvent } from './events/outage-event.js';
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
export { X402LoggingModule } from './logging/x402-logging.module.js';
export { X402OutcomeLogger } from './logging/payment-outcome.logger.js';
export type { X402LoggingOptions } from './logging/x402-logging.options.js';
export { X402Guard } from './http/x402.guard.js';
export { X402Interceptor } from './http/x402.interceptor.js';
export { applyPaidCacheHeaders, PAID_CACHE_CONTROL, PAYMENT_VARY_HEADERS } from './http/cache-headers.js';
export { decodePaymentHeader, readPaymentHeader, type DecodedPayment, type PaymentHeader } from './http/payment-header.codec.js';
export { toV1Requirements, v1NetworkName } from './http/v1-compat.js';
export { getRequestState, type X402RequestState } from './http/request-state.js';
export { X402ResourceServerHost } from './x402.resource-server.js';
export { LocalFacilitatorClient, type LocalFacilitatorOptions } from './facilitator/local-facilitator.client.js';
export { DEFAULT_SUPPORTED_CACHE_TTL_MS, RemoteFacilitatorClient, type RemoteFacilitatorOptions } from './facilitator/remote-facilitator.client.js';
export { facilitatorFailure } from './facilitator/facilitator-errors.js';
export { createFacilitatorClient } from './facilitator/facilitator.factory.js';
export { SubmissionQueue } from './facilitator/submission-queue.js';
export { InMemoryPaymentStore } from './ledger/in-memory-payment.store.js';
export {
  PAYMENT_STORE,
  type ClaimResult,
  type PaymentClaim,
  type PaymentRecord,
  type PaymentState,
  type PaymentStore,
  type ReceiptFilter,
  type ResponseSnapshot,
  type RevenueQuery,
  type RevenueRow,
  type SettlementMode,
  type PendingSettlement,
  type OutboxStats,
  type ExposureRow,
} from './ledger/payment-store.interface.js';
export { X402ReceiptsService } from './ledger/receipts.service.js';
export { TypeOrmPaymentStore, X402_ENTITIES, X402_MIGRATIONS, X402PaymentEntity, X402Ledger1764000000000 } from './ledger/typeorm/index.js';
// OpenAPI and discovery (issue #4): prices in the document, /.well-known/x402, bazaar declarations.
export { applyX402ToDocument, type X402OpenApiOptions } from './openapi/x402-openapi.js';
export { paymentInfoFor, priceLabel, X_PAYMENT_INFO, type X402AcceptedOption, type X402PaymentInfo, type X402PaymentInfoPrice } from './openapi/payment-info.js';
export { x402ComponentSchemas, X402_SCHEMA_NAMES } from './openapi/payment-required.schema.js';
export { Discoverable, X402_DISCOVERY_METADATA, type DiscoverableOptions } from './discovery/discoverable.decorator.js';
export { X402DiscoveryModule } from './discovery/x402-discovery.module.js';
export { X402DiscoveryService, type X402DiscoveryDocument, type X402DiscoveryItem, type X402DiscoveryOptions } from './discovery/x402-discovery.service.js';
export { X402RouteExplorer, type X402Route, type X402RouteExplorerOptions } from './discovery/x402-route.explorer.js';
export { X402SettlementService, type OutboxOutcome } from './settlement/settlement.service.js';
export { X402OutboxWorker } from './settlement/outbox.worker.js';
export { ChainReader, type AuthorizationOnChain } from './settlement/chain-reader.js';
export { PaidAccessService, type AccessDecision } from './sessions/paid-access.service.js';
export { parseAccessWindow } from './sessions/access-window.js';
// Transaction-hash proofs and usage-based prices (issue #7).
export type { X402ProofOptions } from './proofs/proof-options.js';
export { resolveProofs, type ResolvedProofs } from './proofs/proof-config.js';
export { TxProofService, type PaymentProof, type ProofClaim, type ProofDecision, type ProofStatus } from './proofs/tx-proof.service.js';
export { X402ProofsModule, type X402ProofsModuleOptions } from './proofs/x402-proofs.module.js';
export { X402ProofsController, PROOF_STATUS_PATH } from './proofs/x402-proofs.controller.js';
export { decodePaymentProof, encodePaymentProof, readPaymentProof, MAX_PAYMENT_PROOF_BYTES } from './proofs/payment-proof.codec.js';
export { X402ProofErrorCode } from './proofs/proof-errors.js';
export { TX_HASH_SCHEME } from './proofs/tx-hash-scheme.js';
export { judgeTransfer, type TransferVerdict } from './proofs/transfer-match.js';
export { TransferReader, type TransactionInspection, type TransferLog } from './proofs/transfer-reader.js';
export {
  PROOF_STORE,
  proofReceiptKey,
  type BindResult,
  type NewPaymentReference,
  type PaymentReference,
  type PaymentReferenceState,
  type ProofStore,
  type TransferBinding,
} from './proofs/proof-store.interface.js';
export { InMemoryProofStore } from './proofs/in-memory-proof.store.js';
export { TypeOrmProofStore } from './proofs/typeorm/typeorm-proof.store.js';
export { X402PaymentReferenceEntity } from './proofs/typeorm/x402-payment-reference.entity.js';
export { X402ProofsAndUsage1764000000003 } from './ledger/typeorm/migrations/1764000000003-x402-proofs-and-usage.js';
export { PAYMENT_PROOF_HEADER } from './x402.constants.js';
export type { SettledAmounts } from './ledger/payment-store.interface.js';
export { isUpToPrice, type UpToPrice } from './upto/upto-price.js';
export { UPTO_SCHEME } from './upto/upto-scheme.js';
export { UsageMeter } from './upto/usage-meter.js';
export { X402Usage, usageOf } from './upto/usage.decorator.js';
export { settlementOverridesFor, settledAmountsFor } from './upto/upto-settlement.js';
