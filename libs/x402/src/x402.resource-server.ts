import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { x402ResourceServer, type FacilitatorClient } from '@x402/core/server';
import { ExactEvmScheme } from '@x402/evm/exact/server';
import type { X402Config } from './config/x402.config.js';
import { X402_CONFIG, X402_FACILITATOR } from './x402.tokens.js';
import { X402ErrorCode, X402HttpException } from './x402.errors.js';

const RETRY_INTERVAL_MS = 5_000;

/**
 * Owns the `@x402/core` resource server: the exact EVM scheme registered for every accepted
 * network and the facilitator's supported kinds loaded. If the facilitator cannot be reached at
 * startup the app still boots; priced routes answer 503 until it can.
 */
@Injectable()
export class X402ResourceServerHost implements OnModuleInit {
  private readonly logger = new Logger('X402');
  readonly server: x402ResourceServer;
  private initialized = false;
  private pending?: Promise<void>;
  private lastAttempt = 0;

  constructor(
    @Inject(X402_CONFIG) private readonly config: X402Config,
    @Inject(X402_FACILITATOR) facilitator: FacilitatorClient,
  ) {
    this.server = new x402ResourceServer(facilitator);
    for (const { network } of config.accepted) this.server.register(network, new ExactEvmScheme());
  }

  async onModuleInit(): Promise<void> {
    await this.ready().catch((error: Error) => this.logger.warn(`facilitator not ready at startup: ${error.message}`));
  }

  /** Resolves once supported kinds are loaded; throws a 503 {@link X402HttpException} while the facilitator is down. */
  async ready(): Promise<x402ResourceServer> {
    if (this.initialized) return this.server;
    if (!this.pending) {
      if (Date.now() - this.lastAttempt < RETRY_INTERVAL_MS && this.lastAttempt > 0) throw this.unavailable();
      this.lastAttempt = Date.now();
      this.pending = this.server
        .initialize()
        .then(() => {
          this.initialized = true;
        })
        .finally(() => {
          this.pending = undefined;
        });
    }
    try {
      await this.pending;
    } catch {
      throw this.unavailable();
    }
    return this.server;
  }

  private unavailable(): X402HttpException {
    return new X402HttpException(503, X402ErrorCode.FacilitatorUnavailable, 'the payment facilitator is unavailable; try again shortly', {}, { 'Retry-After': '5' });
  }
}
