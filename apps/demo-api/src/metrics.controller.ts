import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiSecurity, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { X402MetricsService } from '@nestjs-x402/core/metrics';
import { ADMIN_SECURITY, AdminTokenGuard } from './admin/admin-token.guard.js';

/**
 * Prometheus scrape endpoint. Revenue per route is business data, so it sits behind the admin
 * token like /admin (Prometheus sends it with `authorization: { credentials: ... }` in the scrape config).
 */
@ApiTags('admin')
@ApiSecurity(ADMIN_SECURITY)
@Controller('metrics')
@UseGuards(AdminTokenGuard)
export class MetricsController {
  constructor(
    private readonly metrics: X402MetricsService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics: challenges, payments, failures by reason, revenue, settlement latency, outbox backlog' })
  @ApiProduces('text/plain')
  async scrape(@Res({ passthrough: true }) response: unknown): Promise<string> {
    this.adapterHost.httpAdapter.setHeader(response, 'Content-Type', this.metrics.contentType);
    return this.metrics.metrics();
  }
}
