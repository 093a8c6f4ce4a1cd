import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { X402Event } from '../events/x402-event.types.js';
import { X402Events } from '../events/x402.events.js';
import { PAYMENT_STORE, type OutboxStats, type PaymentStore } from '../ledger/payment-store.interface.js';
import { DEFAULT_SETTLEMENT_BUCKETS, X402_METRICS_OPTIONS, type X402MetricsOptions } from './x402-metrics.options.js';

/** Label values come from codes; anything else (a facilitator's free text) is folded into `other` to bound cardinality. */
function code(value: string | undefined): string {
  return value !== undefined && /^[A-Za-z0-9_.:-]{1,80}$/.test(value) ? value : 'other';
}

/** One failure tally of this process (from `x402_payments_failed_total`). */
export interface X402FailureCount {
  stage: string;
  reason: string;
  route: string;
  count: number;
}

/**
 * Prometheus metrics of the x402 module, fed by {@link X402Events}: challenges, payments verified,
 * settled, failed (by stage and reason) and replayed, revenue per route and asset (atomic units),
 * settlement latency, facilitator and RPC errors, and the outbox backlog (read from the ledger at
 * each scrape). Counters are per process: sum them over instances (`sum by (route) (...)`).
 *
 * @example
 * @Controller()
 * export class MetricsController {
 *   constructor(private readonly metrics: X402MetricsService) {}
 *   @Get('metrics')
 *   @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8') // this.metrics.contentType
 *   scrape() {
 *     return this.metrics.metrics();
 *   }
 * }
 */
@Injectable()
export class X402MetricsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('X402');
  readonly registry: Registry;
  private unsubscribe?: () => void;

  readonly challenges: Counter<'route' | 'reason'>;
  readonly verified: Counter<'route' | 'network' | 'asset' | 'mode'>;
  readonly settled: Counter<'route' | 'network' | 'asset' | 'mode'>;
  readonly failed: Counter<'route' | 'stage' | 'reason'>;
  readonly replayed: Counter<'route'>;
  readonly revenue: Counter<'route' | 'network' | 'asset'>;
  readonly settlementSeconds: Histogram<'network' | 'mode'>;
  readonly facilitatorErrors: Counter<'operation' | 'code'>;
  readonly rpcErrors: Counter<'operation' | 'network'>;
  readonly outbox: Gauge<'state'>;
  readonly outboxOldestSeconds: Gauge;
  readonly ledgerUp: Gauge;

  constructor(
    private readonly events: X402Events,
    @Inject(PAYMENT_STORE) private readonly store: PaymentStore,
    @Inject(X402_METRICS_OPTIONS) options: X402MetricsOptions,
  ) {
    const registry = (this.registry = options.registry ?? new Registry());
    const name = (suffix: string) => `${options.prefix ?? 'x402_'}${suffix}`;
    const registers = [registry];
    this.challenges = new Counter({ name: name('challenges_total'), help: '402 challenges sent to requests without a payment', labelNames: ['route', 'reason'], registers });
    this.verified = new Counter({ name: name('payments_verified_total'), help: 'Payments verified and claimed (the handler runs)', labelNames: ['route', 'network', 'asset', 'mode'], registers });
    this.settled = new Counter({ name: name('payments_settled_total'), help: 'Payments settled on chain', labelNames: ['route', 'network', 'asset', 'mode'], registers });
    this.failed = new Counter({
      name: name('payments_failed_total'),
      help: 'Payments not charged, by stage (verify: refused before the handler; handler: the handler failed; settle: settlement failed) and reason code',
      labelNames: ['route', 'stage', 'reason'],
      registers,
    });
    this.replayed = new Counter({ name: name('payments_replayed_total'), help: 'Repeats of a served payment answered with the stored response', labelNames: ['route'], registers });
    this.revenue = new Counter({ name: name('revenue_atomic_total'), help: 'Settled revenue in atomic units of the asset (USDC: 1e-6)', labelNames: ['route', 'network', 'asset'], registers });
    this.settlementSeconds = new Histogram({
      name: name('settlement_duration_seconds'),
      help: "Duration of the facilitator's settle call",
      labelNames: ['network', 'mode'],
      buckets: options.settlementBuckets ?? DEFAULT_SETTLEMENT_BUCKETS,
      registers,
    });
    this.facilitatorErrors = new Counter({ name: name('facilitator_errors_total'), help: 'Facilitator failures (timeout, 5xx, invalid answer, unreachable)', labelNames: ['operation', 'code'], registers });
    this.rpcErrors = new Counter({ name: name('rpc_errors_total'), help: "Chain RPC failures (local facilitator, reconciliation)", labelNames: ['operation', 'network'], registers });
    // The three ledger gauges are collected concurrently at each scrape and share one ledger read.
    const stats = () => this.readOutbox();
    this.outbox = new Gauge({
      name: name('outbox_payments'),
      help: 'Deferred payments waiting for settlement, by state (read from the ledger at scrape)',
      labelNames: ['state'],
      registers,
      async collect() {
        const read = await stats();
        if (!read) return; // keep the last values; ledger_up says the read failed
        this.set({ state: 'queued' }, read.queued);
        this.set({ state: 'settling' }, read.settling);
      },
    });
    this.outboxOldestSeconds = new Gauge({
      name: name('outbox_oldest_unsettled_age_seconds'),
      help: 'Age of the oldest payment served but not settled (0 when none)',
      registers,
      async collect() {
        const read = await stats();
        if (read) this.set(read.oldestUnsettledAt ? Math.max(0, (Date.now() - read.oldestUnsettledAt.getTime()) / 1000) : 0);
      },
    });
    this.ledgerUp = new Gauge({
      name: name('ledger_up'),
      help: 'Whether the payment ledger answered at the last scrape',
      registers,
      async collect() {
        this.set((await stats()) ? 1 : 0);
      },
    });
  }

  private outboxRead?: Promise<OutboxStats | undefined>;

  /** The outbox figures, read once for all the gauges of one scrape; `undefined` if the ledger failed. */
  private readOutbox(): Promise<OutboxStats | undefined> {
    this.outboxRead ??= this.store
      .outboxStats()
      .catch((error: Error) => {
        this.logger.warn(`metrics: could not read the outbox: ${error.message}`);
        return undefined;
      })
      .finally(() => {
        this.outboxRead = undefined;
      });
    return this.outboxRead;
  }

  onModuleInit(): void {
    this.unsubscribe = this.events.on((event) => this.record(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Content type of {@link metrics} (Prometheus text format). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The registry in Prometheus text format (what `/metrics` answers). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** This process's failure tallies, largest first (for dashboards). */
  async failureCounts(): Promise<X402FailureCount[]> {
    const { values } = await this.failed.get();
    return values
      .map((v) => ({ stage: String(v.labels.stage), reason: String(v.labels.reason), route: String(v.labels.route), count: v.value }))
      .filter((v) => v.count > 0)
      .sort((a, b) => b.count - a.count);
  }

  /** Updates the metrics for one event (what the subscription does). */
  record(event: X402Event): void {
    switch (event.type) {
      case 'challenge':
        this.challenges.inc({ route: event.route, reason: code(event.reason) });
        break;
      case 'verified':
        this.verified.inc({ route: event.route, network: event.network, asset: event.asset, mode: event.mode });
        break;
      case 'settled': {
        this.settled.inc({ route: event.route, network: event.network, asset: event.asset, mode: event.mode });
        // Counters are doubles: exact up to 2^53 atomic units (9e9 USDC) per series.
        this.revenue.inc({ route: event.route, network: event.network, asset: event.asset }, Number(event.amount));
        if (event.latencyMs !== undefined) this.settlementSeconds.observe({ network: event.network, mode: event.mode }, event.latencyMs / 1000);
        break;
      }
      case 'failed':
        this.failed.inc({ route: event.route, stage: event.stage, reason: code(event.reason) });
        break;
      case 'replayed':
        this.replayed.inc({ route: event.route });
        break;
      case 'facilitator_error':
        this.facilitatorErrors.inc({ operation: event.operation, code: code(event.code) });
        break;
      case 'rpc_error':
        this.rpcErrors.inc({ operation: event.operation, network: event.network ?? 'unknown' });
        break;
    }
  }
}
