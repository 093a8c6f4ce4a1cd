import { Inject, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { PaymentMethodRegistry } from '../methods/payment-methods.registry.js';
import { PROOF_STATUS_PATH, X402ProofsController } from './x402-proofs.controller.js';
import { TxProofMethod } from './tx-proof.method.js';
import { TxProofService } from './tx-proof.service.js';

const X402_PROOFS_OPTIONS = Symbol('x402:proofs-options');

/** Options of {@link X402ProofsModule.forRoot}. */
export interface X402ProofsModuleOptions {
  /** The global prefix the app sets with `setGlobalPrefix`, so the status URLs in 402s are right (or exclude the path from it). */
  globalPrefix?: string;
  /** Serve `GET /.well-known/x402/proofs/:reference` and link it from every `tx-hash` quote (default `true`). */
  statusEndpoint?: boolean;
}

/**
 * Transaction-hash payments (`@Priced(price, { txProof: true })`): registers the `tx-hash` payment
 * method, and serves the status of a payment reference at `GET /.well-known/x402/proofs/:reference`
 * (each `tx-hash` entry of a 402 then carries its URL in `extra.status`). Without this module a
 * `txProof` route stops the boot. Needs `X402Module` (global).
 *
 * @example
 * @Module({ imports: [X402Module.forRoot(options), X402ProofsModule.forRoot()] })
 * export class AppModule {}
 */
@Module({})
export class X402ProofsModule implements OnModuleInit {
  constructor(
    registry: PaymentMethodRegistry,
    method: TxProofMethod,
    private readonly proofs: TxProofService,
    @Inject(X402_PROOFS_OPTIONS) private readonly options: X402ProofsModuleOptions,
  ) {
    registry.register(method);
  }

  static forRoot(options: X402ProofsModuleOptions = {}): DynamicModule {
    return {
      module: X402ProofsModule,
      controllers: options.statusEndpoint === false ? [] : [X402ProofsController],
      providers: [{ provide: X402_PROOFS_OPTIONS, useValue: options }, TxProofService, TxProofMethod],
      exports: [TxProofService],
    };
  }

  onModuleInit(): void {
    if (this.options.statusEndpoint === false) return;
    const prefix = this.options.globalPrefix?.replace(/^\/+|\/+$/g, '');
    this.proofs.serveStatusAt(prefix ? `${prefix}/${PROOF_STATUS_PATH}` : PROOF_STATUS_PATH);
  }
}
