import { BadRequestException, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { X402ReceiptsService, type PaymentRecord, type PaymentState } from '#x402';
import { AdminTokenGuard } from './admin-token.guard.js';

const STATES: PaymentState[] = ['verified', 'settling', 'settled', 'failed'];

function date(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new BadRequestException({ error: { code: 'invalid_query', message: `${name} must be an ISO date` } });
  return parsed;
}

function integer(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < min || n > max) {
    throw new BadRequestException({ error: { code: 'invalid_query', message: `${name} must be an integer from ${min} to ${max}` } });
  }
  return n;
}

/** The ledger, for the API's operator: receipts and revenue. Bearer token from X402_ADMIN_TOKEN. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(private readonly receipts: X402ReceiptsService) {}

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
      payer,
      route,
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
  @ApiOperation({ summary: 'Settled revenue per route or per day (atomic units)' })
  @ApiQuery({ name: 'by', required: false, enum: ['route', 'day'] })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  async revenue(@Query('by') by = 'route', @Query('from') from?: string, @Query('to') to?: string) {
    if (by !== 'route' && by !== 'day') throw new BadRequestException({ error: { code: 'invalid_query', message: 'by must be route or day' } });
    return { by, revenue: await this.receipts.revenue({ by, from: date('from', from), to: date('to', to) }) };
  }
}
