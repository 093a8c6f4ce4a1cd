import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { x402ResourceServer, type FacilitatorClient } from '@x402/core/server';
import { ExactEvmScheme } from '@x402/evm/exact/server';
import { UptoEvmScheme } from '@x402/evm/upto/server';
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types';
import type { X402Config } from './config/x402.config.js';
import { prefetches } from './facilitator/facilitator-capabilities.js';
import { DEFAULT_SUPPORTED_CACHE_TTL_MS, RemoteFacilitatorClient } from './facilitator/remote-facilitator.client.js';
import { v1NetworkName } from './protocol/v1-compat.js';
import { X402_CONFIG, X402_FACILITATOR } from './x402.tokens.js';
import { X402ErrorCode, X402HttpException } from './x402.errors.js';
import { logSafe } from './logging/log-safe.js';

const RETRY_INTERVAL_MS = 5_000;

/**
 * Owns the `@x402/core` resource server: the exact EVM scheme registered for every accepted
 * network (under its CAIP-2 id and, for v1 payments, its v1 name) and the facilitator's supported
 * kinds loaded. If the facilitator cannot be reached at startup the app still boots; priced routes
 * answer 503 until it can. With a remote facilitator the supported kinds are asked for again each
 * time their cache expires (`supportedCacheTtlMs`, in the background), so a facilitator that adds or
 * drops a kind is followed.
 */
@Injectable()
export class X402ResourceServerHost implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('X402');
  readonly server: x402ResourceServer;
  private initialized = false;
  private pending?: Promise<void>;
  private lastAttempt = 0;
  /** Reload period of the supported kinds; undefined: loaded once (local and custom facilitators). */
  private readonly refreshMs?: number;
  private timer?: NodeJS.Timeout;
  private loadedKinds?: string;
  private refreshing?: Promise<void>;
  /** Set while the resource server reloads its kinds (they are briefly empty): requests wait for it. */
  private reloading?: Promise<void>;
  private loads = 0;

  /**
   * Counts the loads of the facilitator's supported kinds: what is derived from them (which networks
   * take v1 payments, hence the 402 bodies) and kept must be derived again when it changes.
   */
  get generation(): number {
    return this.loads;
  }

  constructor(
    @Inject(X402_CONFIG) private readonly config: X402Config,
    @Inject(X402_FACILITATOR) private readonly facilitator: FacilitatorClient,
  ) {
    this.server = new x402ResourceServer(facilitator);
    for (const { network } of config.accepted) {
      this.server.register(network, new ExactEvmScheme());
      this.server.register(network, new UptoEvmScheme()); // usage prices; offered only where the facilitator supports it
      const v1Name = v1NetworkName(network);
      if (v1Name) this.server.register(v1Name as `${string}:${string}`, new ExactEvmScheme());
    }
    if (config.facilitator.type === 'remote') this.refreshMs = config.facilitator.supportedCacheTtlMs ?? DEFAULT_SUPPORTED_CACHE_TTL_MS;
  }

  async onModuleInit(): Promise<void> {
    await this.ready().catch((error: Error) => this.logger.warn(`facilitator not ready at startup: ${logSafe(error)}`));
    if (this.refreshMs !== undefined) {
      this.timer = setInterval(() => this.refresh(), this.refreshMs);
      this.timer.unref();
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /**
   * Lets the facilitator start reading what verifying a payment will need, where it can (see {@link prefetches}):
   * called before the payment is claimed, so the reads overlap the ledger's write. Never throws.
   */
  prefetch(payload: PaymentPayload, requirements: PaymentRequirements): void {
    try {
      if (prefetches(this.facilitator)) this.facilitator.prefetch(payload, requirements);
    } catch {
      // a read ahead only: the verify reads what it needs itself
    }
  }

  /** Resolves once supported kinds are loaded; throws a 503 {@link X402HttpException} while the facilitator is down. */
  async ready(): Promise<x402ResourceServer> {
    if (this.reloading) await this.reloading.catch(() => undefined);
    if (this.initialized) return this.server;
    if (!this.pending) {
      if (Date.now() - this.lastAttempt < RETRY_INTERVAL_MS && this.lastAttempt > 0) throw this.unavailable();
      this.lastAttempt = Date.now();
      this.pending = this.load()
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

  /**
   * Whether v1 payments (`X-PAYMENT`) can be taken on this CAIP-2 network: it has a v1 name and the
   * facilitator lists the v1 `exact` kind for it.
   *
   * @example
   * host.acceptsV1('eip155:84532') // true when the facilitator supports { x402Version: 1, scheme: 'exact', network: 'base-sepolia' }
   */
  acceptsV1(network: string): boolean {
    const v1Name = v1NetworkName(network);
    return v1Name !== undefined && this.server.getSupportedKind(1, v1Name as `${string}:${string}`, 'exact') !== undefined;
  }

  private async load(): Promise<void> {
    if (this.refreshMs !== undefined) this.loadedKinds = JSON.stringify(await this.facilitator.getSupported()); // cached: initialize() reuses it
    await this.server.initialize();
    this.loads++;
  }

  /**
   * Asks the facilitator for its kinds again (requests go on with the current ones meanwhile) and
   * reloads the resource server only if they changed.
   */
  private refresh(): void {
    if (this.refreshing || this.pending) return;
    if (!this.initialized) {
      void this.ready().catch(() => undefined); // still down since startup: try again
      return;
    }
    this.refreshing = (async () => {
      let kinds: string;
      try {
        const facilitator = this.facilitator;
        kinds = JSON.stringify(await (facilitator instanceof RemoteFacilitatorClient ? facilitator.refreshSupported() : facilitator.getSupported()));
      } catch (error) {
        this.logger.warn(`could not ask the facilitator for its supported kinds: ${logSafe(error)}`);
        return;
      }
      if (kinds === this.loadedKinds) return;
      this.logger.log('the facilitator changed its supported kinds; reloading them');
      this.reloading = this.load();
      try {
        await this.reloading;
      } catch (error) {
        this.logger.warn(`could not reload the facilitator's supported kinds: ${logSafe(error)}`);
        this.initialized = false; // initialize() dropped the old kinds: load again on the next request (503 until then)
      }
    })().finally(() => {
      this.refreshing = undefined;
      this.reloading = undefined;
    });
  }

  private unavailable(): X402HttpException {
    return new X402HttpException(503, X402ErrorCode.FacilitatorUnavailable, 'the payment facilitator is unavailable; try again shortly', {}, { 'Retry-After': '5' });
  }
}
