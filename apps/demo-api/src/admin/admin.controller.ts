import { BadRequestException, Controller, Get, Inject, Optional, Query, UseGuards } from '@nestjs/common';
import { ApiSecurity, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { PAYMENT_STORE, X402_CONFIG, X402ReceiptsService, type PaymentRecord, type PaymentState, type PaymentStore, type RevenueQuery, type X402Config } from '@nestjs-x402/core';
import { X402MetricsService } from '@nestjs-x402/core/metrics';
import { ADMIN_SECURITY, AdminTokenGuard } from './admin-token.guard.js';

const REVENUE_GROUPS: RevenueQuery['by'][] = ['route', 'day', 'hour', 'minute'];
/** Failed payments the failures summary reads at most. */
const FAILURE_SCAN = 1000;

const STATES: PaymentState[] = ['verified', 'settling', 'settled', 'failed'];

/** A query parameter given at most once (`?payer=a&payer=b` is an array, which no filter takes). */
function text(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 256) throw new BadRequestException({ error: { code: 'invalid_query', message: `${name} must be given once, at most 256 characters` } });
  return value;
}

function date(name: string, raw: unknown): Date | undefined {
  const value = text(name, raw);
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new BadRequestException({ error: { code: 'invalid_query', message: `${name} must be an ISO date` } });
  return parsed;
}

function integer(name: string, raw: unknown, min: number, max: number): number | undefined {
  const value = text(name, raw);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < min || n > max) {
    throw new BadRequestException({ error: { code: 'invalid_query', message: `${name} must be an integer from ${min} to ${max}` } });
  }
  return n;
}

/** The ledger, for the API's operator: receipts and revenue. Bearer token from X402_ADMIN_TOKEN. */
@ApiTags('admin')
@ApiSecurity(ADMIN_SECURITY)
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(
    private readonly receipts: X402ReceiptsService,
    @Inject(PAYMENT_STORE) private readonly store: PaymentStore,
    @Inject(X402_CONFIG) private readonly config: X402Config,
    @Optional() private readonly metrics?: X402MetricsService,
  ) {}

  @Get('receipts')
  @ApiOperation({ summary: 'Payments, newest first' })
  @ApiQuery({ name: 'payer', required: false })
  @ApiQuery({ name: 'route', required: false, description: 'e.g. GET /weather/forecast/:city' })
  @ApiQuery({ name: 'state', required: false, enum: STATES })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  async list(
    @Query('payer') payer?: string,
    @Query('route') route?: string,
    @Query('state') state?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('limit') limit?: string,
    @Query('offset') offset?: string,
  ) {
    if (state !== undefined && !STATES.includes(state as PaymentState)) {
      throw new BadRequestException({ error: { code: 'invalid_query', message: `state must be one of ${STATES.join(', ')}` } });
    }
    const receipts = await this.receipts.find({
      payer: text('payer', payer),
      route: text('route', route),
      state: state as PaymentState | undefined,
      from: date('from', from),
      to: date('to', to),
      limit: integer('limit', limit, 1, 1000),
      offset: integer('offset', offset, 0, 1_000_000),
    });
    // Neither the replay snapshot nor the signed authorization (a bearer instrument until settled) leaves the server.
    return { receipts: receipts.map(({ response: _snapshot, settlement: _signed, ...receipt }: PaymentRecord) => receipt) };
  }

  @Get('revenue')
  @ApiOperation({ summary: 'Settled revenue per route, or per UTC day, hour or minute (atomic units)' })
  @ApiQuery({ name: 'by', required: false, enum: REVENUE_GROUPS })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  async revenue(@Query('by') by = 'route', @Query('from') from?: string, @Query('to') to?: string) {
    if (!REVENUE_GROUPS.includes(by as RevenueQuery['by'])) {
      throw new BadRequestException({ error: { code: 'invalid_query', message: `by must be one of ${REVENUE_GROUPS.join(', ')}` } });
    }
    const group = by as RevenueQuery['by'];
    return { by: group, revenue: await this.receipts.revenue({ by: group, from: date('from', from), to: date('to', to) }) };
  }

  @Get('assets')
  @ApiOperation({ summary: 'The tokens this API accepts (network, address, symbol, decimals), to format atomic amounts' })
  assets() {
    return { assets: this.config.accepted.map(({ network, asset }) => ({ network, asset: asset.address, symbol: asset.symbol, decimals: asset.decimals })) };
  }

  @Get('outbox')
  @ApiOperation({ summary: 'Deferred payments served but not yet settled (backlog of the settlement outbox)' })
  async outbox() {
    const stats = await this.store.outboxStats();
    const oldest = stats.oldestUnsettledAt;
    return {
      queued: stats.queued,
      settling: stats.settling,
      backlog: stats.queued + stats.settling,
      oldestUnsettledAt: oldest?.toISOString() ?? null,
      oldestUnsettledAgeSeconds: oldest ? Math.max(0, Math.round((Date.now() - oldest.getTime()) / 1000)) : null,
    };
  }

  @Get('failures')
  @ApiOperation({
    summary: 'Why payments failed: settlement failures recorded in the ledger (by reason), and every refusal this instance saw since it started (by stage and reason)',
  })
  @ApiQuery({ name: 'from', required: false })
  async failures(@Query('from') from?: string) {
    const failed = await this.receipts.find({ state: 'failed', from: date('from', from), limit: FAILURE_SCAN });
    const byReason = new Map<string, { reason: string; count: number; lastAt: string; routes: string[] }>();
    for (const receipt of failed) {
      const reason = receipt.errorReason ?? 'unknown';
      const row = byReason.get(reason) ?? { reason, count: 0, lastAt: receipt.updatedAt.toISOString(), routes: [] };
      row.count += 1;
      if (receipt.updatedAt.toISOString() > row.lastAt) row.lastAt = receipt.updatedAt.toISOString();
      if (!row.routes.includes(receipt.route)) row.routes.push(receipt.route);
      byReason.set(reason, row);
    }
    return {
      ledger: [...byReason.values()].sort((a, b) => b.count - a.count),
      truncated: failed.length === FAILURE_SCAN, // more failed payments than were read: the counts are of the latest ones
      sinceStart: this.metrics ? await this.metrics.failureCounts() : [],
    };
  }
}
