/** Options of {@link X402LoggingModule}. */
export interface X402LoggingOptions {
  /**
   * `object` (default): each line is an object (`{ msg, event, receiptId, route, ... }`) given to
   * Nest's Logger, which structured loggers keep as fields (nestjs-pino, `new ConsoleLogger({ json: true })`).
   * `text`: a one-line `key=value` message, for Nest's default console logger.
   */
  format?: 'object' | 'text';
  /** Logger context (default `X402`). */
  context?: string;
  /** Also log each verified payment before its handler runs (default false: outcomes only). */
  verified?: boolean;
}

export const X402_LOGGING_OPTIONS = Symbol('x402:logging-options');
