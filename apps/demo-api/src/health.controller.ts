import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { X402ChainHealthIndicator, X402FacilitatorHealthIndicator, X402LedgerHealthIndicator } from '@nestjs-x402/core/health';

@ApiTags('info')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly ledger: X402LedgerHealthIndicator,
    private readonly chain: X402ChainHealthIndicator,
    private readonly facilitator: X402FacilitatorHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Ledger, outbox, chain RPC and facilitator (503 when any is down)' })
  check() {
    return this.health.check([
      () => this.ledger.isHealthy('ledger'),
      () => this.ledger.isOutboxHealthy('outbox'),
      () => this.chain.isHealthy('chain'),
      () => this.facilitator.isHealthy('facilitator'),
    ]);
  }
}
