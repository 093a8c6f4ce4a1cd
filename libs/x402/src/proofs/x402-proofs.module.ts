import { Inject, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { PROOF_STATUS_PATH, X402ProofsController } from './x402-proofs.controller.js';
import { TxProofService } from './tx-proof.service.js';

const X402_PROOFS_OPTIONS = Symbol('x402:proofs-options');

/** Options of {@link X402ProofsModule.forRoot}. */
export interface X402ProofsModuleOptions {
  /** The global prefix the app sets with `setGlobalPrefix`, so the status URLs in 402s are right (or exclude the path from it). */
  globalPrefix?: string;
}

/**
 * Opt-in status endpoint of transaction-hash payments: serves `GET /.well-known/x402/proofs/:reference`
 * and makes every `tx-hash` entry of a 402 carry its URL (`extra.status`). Needs `X402Module` (global).
 *
 * @example
 * @Module({ imports: [X402Module.forRoot(options), X402ProofsModule.forRoot()] })
 * export class AppModule {}
 */
@Module({})
export class X402ProofsModule implements OnModuleInit {
  constructor(
    private readonly proofs: TxProofService,
    @Inject(X402_PROOFS_OPTIONS) private readonly options: X402ProofsModuleOptions,
  ) {}

  static forRoot(options: X402ProofsModuleOptions = {}): DynamicModule {
    return { module: X402ProofsModule, controllers: [X402ProofsController], providers: [{ provide: X402_PROOFS_OPTIONS, useValue: options }] };
  }

  onModuleInit(): void {
    const prefix = this.options.globalPrefix?.replace(/^\/+|\/+$/g, '');
    this.proofs.serveStatusAt(prefix ? `${prefix}/${PROOF_STATUS_PATH}` : PROOF_STATUS_PATH);
  }
}
