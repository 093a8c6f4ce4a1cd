export { X402HealthModule } from './x402-health.module.js';
export { X402LedgerHealthIndicator } from './ledger.health.js';
export { X402ChainHealthIndicator } from './chain.health.js';
export { X402FacilitatorHealthIndicator } from './facilitator.health.js';
export type { X402HealthOptions } from './x402-health.options.js';
