export { X402MetricsModule } from './x402-metrics.module.js';
export { X402MetricsService, type X402FailureCount } from './x402-metrics.service.js';
export { DEFAULT_SETTLEMENT_BUCKETS, type X402MetricsOptions } from './x402-metrics.options.js';
