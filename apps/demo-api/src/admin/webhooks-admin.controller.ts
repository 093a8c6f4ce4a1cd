import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiSecurity, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { X402WebhooksService, type X402WebhookDeliveryState } from '@nestjs-x402/core/webhooks';
import { ADMIN_SECURITY, AdminTokenGuard } from './admin-token.guard.js';

const STATES: X402WebhookDeliveryState[] = ['pending', 'delivering', 'delivered', 'failed'];

/** Webhook deliveries, for the API's operator: list them, send one again. Bearer token from X402_ADMIN_TOKEN. */
@ApiTags('admin')
@ApiSecurity(ADMIN_SECURITY)
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
    return { endpoints: await this.webhooks.endpoints(), deliveries };
  }

  @Post(':id/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a delivery again (same event id and body); 404 if unknown, 409 while it is being sent' })
  redeliver(@Param('id') id: string) {
    return this.webhooks.redeliver(id);
  }

  @Post('endpoints')
  @ApiOperation({ summary: 'Add an endpoint; the answer shows its secret (generated when not given) once' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['url'],
      properties: { url: { type: 'string' }, id: { type: 'string' }, secret: { type: 'string', minLength: 16 }, events: { type: 'array', items: { type: 'string' } } },
    },
  })
  addEndpoint(@Body() body: unknown) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestException({ error: { code: 'invalid_webhook_endpoint', message: 'send a JSON object { url, id?, secret?, events? }' } });
    }
    const { url, id, secret, events } = body as Record<string, unknown>;
    return this.webhooks.addEndpoint({ url: url as string, id: id as string | undefined, secret: secret as string | undefined, events: events as never });
  }

  @Delete('endpoints/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an endpoint added through this API' })
  async removeEndpoint(@Param('id') id: string) {
    await this.webhooks.removeEndpoint(id);
  }
}
