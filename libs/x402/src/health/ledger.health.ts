import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { PAYMENT_STORE, type PaymentStore } from '../ledger/payment-store.interface.js';
import { reason, withTimeout, X402_HEALTH_OPTIONS, type ResolvedHealthOptions } from './x402-health.options.js';

/**
 * The payment ledger answers, and the deferred-settlement outbox is not falling behind
 * (backlog size and age of the oldest unsettled payment under their thresholds).
 *
 * @example
 * this.health.check([() => this.ledger.isHealthy('ledger'), () => this.ledger.isOutboxHealthy('outbox')])
 */
@Injectable()
export class X402LedgerHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(PAYMENT_STORE) private readonly store: PaymentStore,
    @Inject(X402_HEALTH_OPTIONS) private readonly options: ResolvedHealthOptions,
  ) {}

  async isHealthy(key = 'x402_ledger') {
    const indicator = this.indicators.check(key);
    try {
      const started = Date.now();
      await withTimeout(this.store.outboxStats(), this.options.timeoutMs, 'the ledger');
      return indicator.up({ responseTimeMs: Date.now() - started });
    } catch (error) {
      return indicator.down({ message: reason(error) });
    }
  }

  async isOutboxHealthy(key = 'x402_outbox') {
    const indicator = this.indicators.check(key);
    try {
      const stats = await withTimeout(this.store.outboxStats(), this.options.timeoutMs, 'the ledger');
      const backlog = stats.queued + stats.settling;
      const oldestAgeSeconds = stats.oldestUnsettledAt ? Math.round((Date.now() - stats.oldestUnsettledAt.getTime()) / 1000) : 0;
      const data = { queued: stats.queued, settling: stats.settling, oldestUnsettledAgeSeconds: oldestAgeSeconds };
      if (backlog > this.options.maxOutboxBacklog) return indicator.down({ ...data, message: `backlog ${backlog} > ${this.options.maxOutboxBacklog}` });
      if (oldestAgeSeconds > this.options.maxUnsettledAgeSeconds) {
        return indicator.down({ ...data, message: `oldest unsettled payment is ${oldestAgeSeconds} s old` });
      }
      return indicator.up(data);
    } catch (error) {
      return indicator.down({ message: reason(error) });
    }
  }
}
