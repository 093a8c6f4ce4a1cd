import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { X402Config } from '../config/x402.config.js';
import { X402SettlementService } from '../settlement/settlement.service.js';
import { X402_CONFIG } from '../x402.tokens.js';
import { reason, withTimeout, X402_HEALTH_OPTIONS, type ResolvedHealthOptions } from './x402-health.options.js';

/**
 * Each accepted network's RPC answers with a recent block (number and age). Networks without a
 * configured RPC (remote facilitator, no `settlement.rpcUrls`) are reported as not monitored.
 */
@Injectable()
export class X402ChainHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly settlement: X402SettlementService,
    @Inject(X402_CONFIG) private readonly config: X402Config,
    @Inject(X402_HEALTH_OPTIONS) private readonly options: ResolvedHealthOptions,
  ) {}

  async isHealthy(key = 'x402_chain') {
    const indicator = this.indicators.check(key);
    const networks: Record<string, unknown> = {};
    let healthy = true;
    for (const { network } of this.config.accepted) {
      if (!this.settlement.chain.covers(network)) {
        networks[network] = { monitored: false };
        continue;
      }
      try {
        const head = await withTimeout(this.settlement.chain.head(network), this.options.timeoutMs, `the RPC of ${network}`);
        const stale = head.ageSeconds > this.options.maxBlockAgeSeconds;
        healthy &&= !stale;
        networks[network] = { blockNumber: head.blockNumber.toString(), blockAgeSeconds: head.ageSeconds, ...(stale ? { message: 'latest block is too old' } : {}) };
      } catch (error) {
        healthy = false;
        networks[network] = { message: reason(error) };
      }
    }
    return healthy ? indicator.up({ networks }) : indicator.down({ networks });
  }
}
