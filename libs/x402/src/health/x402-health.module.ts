import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { X402ChainHealthIndicator } from './chain.health.js';
import { X402FacilitatorHealthIndicator } from './facilitator.health.js';
import { X402LedgerHealthIndicator } from './ledger.health.js';
import { resolveHealthOptions, X402_HEALTH_OPTIONS, type X402HealthOptions } from './x402-health.options.js';

const indicators = [X402LedgerHealthIndicator, X402ChainHealthIndicator, X402FacilitatorHealthIndicator];

/**
 * Health indicators for @nestjs/terminus: ledger, outbox backlog, chain RPC, facilitator. Kept out
 * of `X402Module` so apps that do not use terminus do not load it.
 *
 * @example
 * @Module({ imports: [X402Module.forRoot(...), X402HealthModule.forRoot({ maxBlockAgeSeconds: 60 })], controllers: [HealthController] })
 *
 * // in HealthController:
 * @Get('health') @HealthCheck()
 * check() {
 *   return this.health.check([() => this.ledger.isHealthy(), () => this.ledger.isOutboxHealthy(), () => this.chain.isHealthy(), () => this.facilitator.isHealthy()]);
 * }
 */
@Module({})
export class X402HealthModule {
  static forRoot(options: X402HealthOptions = {}): DynamicModule {
    return {
      module: X402HealthModule,
      imports: [TerminusModule],
      providers: [{ provide: X402_HEALTH_OPTIONS, useValue: resolveHealthOptions(options) }, ...indicators],
      exports: [TerminusModule, ...indicators],
    };
  }
}
