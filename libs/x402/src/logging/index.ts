/**
 * `@nestjs-x402/core/logging`: one log line per payment outcome through Nest's `Logger`.
 *
 * @example
 * ```ts
 * import { X402LoggingModule } from '@nestjs-x402/core/logging';
 *
 * @Module({ imports: [X402LoggingModule.forRoot({ format: 'text' })] })
 * export class AppModule {}
 * ```
 */
export { X402LoggingModule } from './x402-logging.module.js';
export { X402OutcomeLogger } from './payment-outcome.logger.js';
export type { X402LoggingOptions } from './x402-logging.options.js';
export { logSafe, redactSecrets, redactUrl } from './log-safe.js';
