import { Module, type DynamicModule } from '@nestjs/common';
import { X402MetricsService } from './x402-metrics.service.js';
import { X402_METRICS_OPTIONS, type X402MetricsOptions } from './x402-metrics.options.js';

/**
 * Prometheus metrics for the x402 module (needs `prom-client`). Kept out of `X402Module` and
 * imported from `nestjs-x402/metrics`, so apps without Prometheus do not load it. Needs the
 * (global) `X402Module` in the app. Serving `/metrics` is the app's choice of path and protection.
 *
 * @example
 * import { X402MetricsModule, X402MetricsService } from '@nestjs-x402/core/metrics';
 *
 * @Module({ imports: [X402Module.forRoot({ ... }), X402MetricsModule.forRoot()], controllers: [MetricsController] })
 * export class AppModule {}
 */
@Module({})
export class X402MetricsModule {
  static forRoot(options: X402MetricsOptions = {}): DynamicModule {
    return {
      module: X402MetricsModule,
      providers: [{ provide: X402_METRICS_OPTIONS, useValue: options }, X402MetricsService],
      exports: [X402MetricsService],
    };
  }
}
