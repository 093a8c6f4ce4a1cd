import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { X402Config } from '../config/x402.config.js';
import { X402_CONFIG } from '../x402.tokens.js';
import { PAYMENT_STORE, type LedgerMaintenance, type PaymentClaims, type PaymentRecord, type ReceiptQueries, type ReceiptFilter, type RevenueQuery, type RevenueRow } from './payment-store.interface.js';

/**
 * Reads the ledger: receipts by id, payer, route or time range, and settled revenue per route or
 * per day. Also purges expired replay snapshots and failed attempts on the configured interval.
 *
 * @example
 * const receipts = await receiptsService.find({ payer: '0x7099…', limit: 20 });
 * const perDay = await receiptsService.revenue({ by: 'day', from: new Date('2026-11-01') });
 */
@Injectable()
export class X402ReceiptsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('X402');
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(PAYMENT_STORE) private readonly store: ReceiptQueries & Pick<PaymentClaims, 'findById'> & Pick<LedgerMaintenance, 'purge'>,
    @Inject(X402_CONFIG) private readonly config: X402Config,
  ) {}

  find(filter: ReceiptFilter = {}): Promise<PaymentRecord[]> {
    return this.store.findReceipts(filter);
  }

  findById(id: string): Promise<PaymentRecord | undefined> {
    return this.store.findById(id);
  }

  revenue(query: RevenueQuery): Promise<RevenueRow[]> {
    return this.store.revenue(query);
  }

  /** Drops replay snapshots and failed attempts older than the retention; returns the rows changed. */
  purgeExpired(now = new Date()): Promise<number> {
    return this.store.purge(new Date(now.getTime() - this.config.ledger.retentionSeconds * 1000));
  }

  onModuleInit(): void {
    const interval = this.config.ledger.purgeIntervalSeconds;
    if (interval === 0) return;
    this.timer = setInterval(() => {
      this.purgeExpired().catch((error: Error) => this.logger.warn(`ledger purge failed: ${error.message}`));
    }, interval * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
