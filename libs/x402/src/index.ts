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
export { X402Guard } from './http/x402.guard.js';
export { X402Interceptor } from './http/x402.interceptor.js';
export { decodePaymentHeader, readPaymentHeader, type DecodedPayment } from './http/payment-header.codec.js';
export { getRequestState, type X402RequestState } from './http/request-state.js';
export { X402ResourceServerHost } from './x402.resource-server.js';
export { LocalFacilitatorClient, type LocalFacilitatorOptions } from './facilitator/local-facilitator.client.js';
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
} from './ledger/payment-store.interface.js';
export { X402ReceiptsService } from './ledger/receipts.service.js';
export { TypeOrmPaymentStore, X402_ENTITIES, X402_MIGRATIONS, X402PaymentEntity, X402Ledger1764000000000 } from './ledger/typeorm/index.js';
