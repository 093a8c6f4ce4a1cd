/**
 * When money moves for a priced request: `authorization` settles after the handler and before the
 * response, `upfront` before the handler, `deferred` after the response (from the ledger's outbox).
 * A type of its own, so that pricing (which picks a route's mode) and the ledger (which records it) share it without importing each other.
 */
export type SettlementMode = 'authorization' | 'upfront' | 'deferred';
