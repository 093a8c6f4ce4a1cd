import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { X402Event } from '../events/x402-event.types.js';
import { X402Events } from '../events/x402.events.js';
import { X402_LOGGING_OPTIONS, type X402LoggingOptions } from './x402-logging.options.js';

type Level = 'log' | 'warn' | 'error';

/** Which events are logged, at which level, with which words. */
const LINES: Partial<Record<X402Event['type'], { level: Level; msg: string }>> = {
  settled: { level: 'log', msg: 'x402 payment settled' },
  replayed: { level: 'log', msg: 'x402 payment replayed' },
  failed: { level: 'warn', msg: 'x402 payment failed' },
  facilitator_error: { level: 'error', msg: 'x402 facilitator error' },
  rpc_error: { level: 'error', msg: 'x402 chain RPC error' },
  verified: { level: 'log', msg: 'x402 payment verified' }, // only with `verified: true`
};

/** Fields of a log line, in this order; anything else an event carries is left out (an allow-list, not a deny-list). */
const FIELDS = ['receiptId', 'route', 'stage', 'reason', 'status', 'network', 'asset', 'amount', 'payer', 'transaction', 'mode', 'latencyMs', 'reconciled', 'operation', 'code'] as const;

/**
 * One log line per payment outcome (settled, failed, replayed) and per facilitator or RPC error,
 * through Nest's Logger, so it goes wherever the app's logger sends it. The correlation id is
 * the receipt id (`receiptId`, the ledger's payment id). Lines carry only the allow-listed facts:
 * never a signature, an authorization, its nonce, a header or a key.
 *
 * @example
 * // provided by X402LoggingModule.forRoot(); with nestjs-pino (format 'object') a settlement logs as
 * // { "level": 30, "context": "X402", "msg": "x402 payment settled", "event": "settled", "receiptId": "3f0c…", "route": "GET /weather/forecast/:city", "amount": "10000", ... }
 */
@Injectable()
export class X402OutcomeLogger implements OnModuleInit, OnModuleDestroy {
  private readonly logger: Logger;
  private unsubscribe?: () => void;

  constructor(
    private readonly events: X402Events,
    @Inject(X402_LOGGING_OPTIONS) private readonly options: X402LoggingOptions,
  ) {
    this.logger = new Logger(options.context ?? 'X402');
  }

  onModuleInit(): void {
    this.unsubscribe = this.events.on((event) => this.write(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Logs one event, if it is one that is logged. */
  write(event: X402Event): void {
    const line = LINES[event.type];
    if (!line || (event.type === 'verified' && !this.options.verified)) return;
    const fields: Record<string, unknown> = {};
    for (const key of FIELDS) {
      const value = (event as unknown as Record<string, unknown>)[key];
      if (value !== undefined && value !== '') fields[key] = value;
    }
    if (this.options.format === 'text') {
      const text = Object.entries(fields)
        .map(([key, value]) => `${key}=${typeof value === 'string' && /[\s"=]/.test(value) ? JSON.stringify(value) : String(value)}`)
        .join(' ');
      this.logger[line.level](`${line.msg} ${text}`);
    } else {
      this.logger[line.level]({ msg: line.msg, event: event.type, ...fields });
    }
  }
}
