import { Module, type DynamicModule } from '@nestjs/common';
import { X402OutcomeLogger } from './payment-outcome.logger.js';
import { X402_LOGGING_OPTIONS, type X402LoggingOptions } from './x402-logging.options.js';

/**
 * Logs every payment outcome through Nest's Logger (one line each, correlated by receipt id).
 * Opt-in, so an app's logs stay as they were until it asks. Works with any `LoggerService`:
 * Nest's console logger (`format: 'text'`, or `new ConsoleLogger({ json: true })`) or nestjs-pino.
 *
 * @example
 * @Module({ imports: [X402Module.forRoot({ ... }), X402LoggingModule.forRoot({ format: 'text' })] })
 * export class AppModule {}
 * // [Nest] ... LOG [X402] x402 payment settled receiptId=4f1c… route="GET /weather/forecast/:city" ... transaction=0x8a… latencyMs=12
 */
@Module({})
export class X402LoggingModule {
  static forRoot(options: X402LoggingOptions = {}): DynamicModule {
    return {
      module: X402LoggingModule,
      providers: [{ provide: X402_LOGGING_OPTIONS, useValue: options }, X402OutcomeLogger],
      exports: [X402OutcomeLogger],
    };
  }
}
