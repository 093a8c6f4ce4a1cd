import type { PaymentRecord } from '../ledger/payment-store.interface.js';
import type { X402PaymentFacts } from './x402-event.types.js';

/**
 * The part of a ledger record that events carry: route, receipt id, network, asset, amount, payer
 * and mode. Never the signature, the authorization or its nonce (nor the response snapshot).
 *
 * @example
 * events.emit({ type: 'verified', ...paymentFacts(record) });
 */
export function paymentFacts(record: PaymentRecord): X402PaymentFacts {
  const { id, route, network, asset, amount, payer, mode } = record;
  return { receiptId: id, route, network, asset, amount, payer, mode: mode ?? 'authorization' };
}
