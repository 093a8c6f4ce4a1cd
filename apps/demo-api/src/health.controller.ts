import { Controller, Get, Header, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { ApiSecurity, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { X402ChainHealthIndicator, X402FacilitatorHealthIndicator, X402LedgerHealthIndicator } from '@nestjs-x402/core/health';
import { ADMIN_SECURITY, AdminTokenGuard } from './admin/admin-token.guard.js';

/** How long the public probe's answer is reused: one ledger query and one RPC round per period, however many probes. */
export const HEALTH_PROBE_CACHE_MS = 1500;

/**
 * `GET /health`: up or down only, for load balancers and uptime checks (anyone may ask, so it tells
 * nothing about the ledger, the signer or its balance, and it is cached). `GET /admin/health`: every
 * indicator with its details, behind the admin token.
 */
@ApiTags('info')
@Controller()
export class HealthController {
  private probe?: { up: Promise<boolean>; until: number };

  constructor(
    private readonly health: HealthCheckService,
    private readonly ledger: X402LedgerHealthIndicator,
    private readonly chain: X402ChainHealthIndicator,
    private readonly facilitator: X402FacilitatorHealthIndicator,
  ) {}

  @Get('health')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Up or down (503), cached for 1.5 s; details at /admin/health' })
  async probeHealth(): Promise<{ status: 'up' }> {
    if (!this.probe || Date.now() >= this.probe.until) {
      // one check at a time; its answer is reused until HEALTH_PROBE_CACHE_MS after it finished
      const probe = { up: this.details().then(() => true, () => false), until: Infinity };
      probe.up.finally(() => (probe.until = Date.now() + HEALTH_PROBE_CACHE_MS));
      this.probe = probe;
    }
    if (!(await this.probe.up)) throw new ServiceUnavailableException({ status: 'down' });
    return { status: 'up' };
  }

  @Get('admin/health')
  @UseGuards(AdminTokenGuard)
  @ApiSecurity(ADMIN_SECURITY)
  @HealthCheck()
  @ApiOperation({ summary: 'Ledger, outbox, chain RPC and facilitator with details (503 when any is down); admin token' })
  details() {
    return this.health.check([
      () => this.ledger.isHealthy('ledger'),
      () => this.ledger.isOutboxHealthy('outbox'),
      () => this.chain.isHealthy('chain'),
      () => this.facilitator.isHealthy('facilitator'),
    ]);
  }
}
