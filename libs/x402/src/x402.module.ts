import { Module, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { resolveX402Config, type X402Config } from './config/x402.config.js';
import { createFacilitatorClient } from './facilitator/facilitator.factory.js';
import { nonceLockOf } from './facilitator/nonce-lock.js';
import { X402Events } from './events/x402.events.js';
import { X402Guard } from './http/x402.guard.js';
import { X402Interceptor } from './http/x402.interceptor.js';
import { InMemoryPaymentStore } from './ledger/in-memory-payment.store.js';
import { PAYMENT_STORE, type PaymentStore } from './ledger/payment-store.interface.js';
import { PROOF_STORE, proofStoreOf } from './proofs/proof-store.interface.js';
import { X402ReceiptsService } from './ledger/receipts.service.js';
import { InMemorySignInNonceStore } from './sessions/in-memory-sign-in-nonce.store.js';
import { SIGN_IN_NONCE_STORE, signInNonceStoreOf } from './sessions/sign-in-nonce.store.js';
import { X402OutboxWorker } from './settlement/outbox.worker.js';
import { X402SettlementService } from './settlement/settlement.service.js';
import { RoutePricingService } from './pricing/route-pricing.service.js';
import { X402RouteValidator } from './http/route-validator.js';
import { X402Challenges } from './http/x402-challenges.js';
import { PaymentMethodRegistry, X402_PAYMENT_METHODS } from './methods/payment-methods.registry.js';
import { PaymentClaimer } from './methods/signed/payment-claimer.js';
import { SignedPaymentMethod } from './methods/signed/signed-payment.method.js';
import { SignedPaymentLeases } from './methods/signed/signed-payment.lease.js';
import { X402ConfigurableModule, X402_MODULE_OPTIONS } from './x402.module-definition.js';
import type { X402ModuleOptions } from './x402.options.js';
import { X402ResourceServerHost } from './x402.resource-server.js';
import { X402_CONFIG, X402_FACILITATOR } from './x402.tokens.js';

const providers: Provider[] = [
  { provide: X402_CONFIG, useFactory: (options: X402ModuleOptions) => resolveX402Config(options), inject: [X402_MODULE_OPTIONS] },
  // A local facilitator takes its nonces in turn with the other instances on the same ledger (one gas key, many replicas).
  { provide: X402_FACILITATOR, useFactory: (config: X402Config, store: PaymentStore) => createFacilitatorClient(config, nonceLockOf(store)), inject: [X402_CONFIG, PAYMENT_STORE] },
  {
    provide: PAYMENT_STORE,
    // A store whose tables are missing (migrations not run) stops the boot here, naming the option.
    useFactory: async (options: X402ModuleOptions) => {
      const store: PaymentStore = options.store ?? new InMemoryPaymentStore();
      await store.checkSchema?.();
      return store;
    },
    inject: [X402_MODULE_OPTIONS],
  },
  { provide: PROOF_STORE, useFactory: (options: X402ModuleOptions, store: PaymentStore) => options.proofs?.store ?? proofStoreOf(store), inject: [X402_MODULE_OPTIONS, PAYMENT_STORE] },
  {
    // Sign-in nonces issued in 402s (paid sessions): on the payment store's database when it has a table for them.
    provide: SIGN_IN_NONCE_STORE,
    useFactory: (options: X402ModuleOptions, store: PaymentStore) => options.sessions?.nonceStore ?? signInNonceStoreOf(store) ?? new InMemorySignInNonceStore(),
    inject: [X402_MODULE_OPTIONS, PAYMENT_STORE],
  },
  PaymentMethodRegistry,
  { provide: X402_PAYMENT_METHODS, useExisting: PaymentMethodRegistry },
  PaymentClaimer,
  SignedPaymentLeases,
  SignedPaymentMethod,
  X402Challenges,
  X402Events,
  X402ResourceServerHost,
  RoutePricingService,
  X402RouteValidator,
  X402Guard,
  X402Interceptor,
  X402ReceiptsService,
  X402SettlementService,
  X402OutboxWorker,
];

/**
 * Makes `@Priced` routes payable with x402. Global by default (`isGlobal: false` to opt out),
 * so priced controllers in any module find the guard's dependencies.
 *
 * @example
 * @Module({
 *   imports: [
 *     X402Module.forRoot({
 *       networks: ['eip155:8453'],
 *       payTo: process.env.X402_PAY_TO!,
 *       facilitator: { type: 'remote', url: process.env.X402_FACILITATOR_URL! },
 *     }),
 *   ],
 * })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule],
  providers,
  exports: [
    X402_CONFIG,
    X402_FACILITATOR,
    PAYMENT_STORE,
    PROOF_STORE,
    SIGN_IN_NONCE_STORE,
    PaymentMethodRegistry,
    X402_PAYMENT_METHODS,
    X402Challenges,
    X402Events,
    X402ResourceServerHost,
    RoutePricingService,
    X402Guard,
    X402Interceptor,
    X402ReceiptsService,
    X402SettlementService,
    X402OutboxWorker,
  ],
})
export class X402Module extends X402ConfigurableModule {
  constructor(registry: PaymentMethodRegistry, signed: SignedPaymentMethod) {
    super();
    registry.register(signed); // the method every priced route takes; opt-in modules add theirs
  }
}
