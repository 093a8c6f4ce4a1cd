import { BadRequestException, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { X402WebhooksService, type X402WebhookDeliveryState } from '@nestjs-x402/core/webhooks';
import { AdminTokenGuard } from './admin-token.guard.js';

const STATES: X402WebhookDeliveryState[] = ['pending', 'delivering', 'delivered', 'failed'];

/** Webhook deliveries, for the API's operator: list them, send one again. Bearer token from X402_ADMIN_TOKEN. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/webhooks')
@UseGuards(AdminTokenGuard)
export class WebhooksAdminController {
  constructor(private readonly webhooks: X402WebhooksService) {}

  @Get()
  @ApiOperation({ summary: 'Webhook deliveries, newest first, and the configured endpoints' })
  @ApiQuery({ name: 'state', required: false, enum: STATES })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 50' })
  async list(@Query('state') state?: unknown, @Query('limit') limit?: unknown) {
    if (state !== undefined && !STATES.includes(state as X402WebhookDeliveryState)) {
      throw new BadRequestException({ error: { code: 'invalid_query', message: `state must be one of ${STATES.join(', ')}` } });
    }
    if (limit !== undefined && (typeof limit !== 'string' || !/^[0-9]{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > 500)) {
      throw new BadRequestException({ error: { code: 'invalid_query', message: 'limit must be an integer from 1 to 500' } });
    }
    const deliveries = await this.webhooks.list({ state: state as X402WebhookDeliveryState | undefined, limit: limit === undefined ? undefined : Number(limit) });
    return { endpoints: this.webhooks.endpoints(), deliveries };
  }

  @Post(':id/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a delivery again (same event id and body); 404 if unknown, 409 while it is being sent' })
  redeliver(@Param('id') id: string) {
    return this.webhooks.redeliver(id);
  }
}
