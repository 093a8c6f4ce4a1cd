/**
 * `@nestjs-x402/core/proofs`: pay by transaction hash (`@Priced('0.02', { txProof: true })`) — the status
 * endpoint, the proof header codec and the reference store contract.
 *
 * @example
 * ```ts
 * import { X402ProofsModule } from '@nestjs-x402/core/proofs';
 *
 * @Module({ imports: [X402ProofsModule.forRoot()] })
 * export class AppModule {}
 * ```
 */
export type { X402ProofOptions } from './proof-options.js';
export { X402ProofsModule, type X402ProofsModuleOptions } from './x402-proofs.module.js';
export { PROOF_STATUS_PATH } from './x402-proofs.controller.js';
export { decodePaymentProof, encodePaymentProof, MAX_PAYMENT_PROOF_BYTES, type PaymentProof } from './payment-proof.codec.js';
export { X402ProofErrorCode } from './proof-errors.js';
export { TX_HASH_SCHEME } from './tx-hash-scheme.js';
export type { ProofStatus } from './tx-proof.service.js';
export {
  PROOF_STORE,
  type BindResult,
  type NewPaymentReference,
  type PaymentReference,
  type PaymentReferenceState,
  type ProofStore,
  type TransferBinding,
} from './proof-store.interface.js';
export { InMemoryProofStore } from './in-memory-proof.store.js';
