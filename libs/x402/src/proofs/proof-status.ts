import type { PaymentReference } from './proof-store.interface.js';
import { referenceFields } from './proof-reference.js';

/** Where a reference stands, for the status endpoint and `payment_pending` answers. */
export interface ProofStatus {
  reference: string;
  /** `open`: not paid yet; `pending`: a transfer is bound, not enough confirmations; `confirmed`: ready to be presented; `used`; `expired`. */
  state: 'open' | 'pending' | 'confirmed' | 'used' | 'expired';
  network: string;
  /** Token and recipient: known once a transfer is bound (an open reference is not stored). */
  asset?: string;
  payTo?: string;
  amount: string;
  expiresAt: string;
  requiredConfirmations: number;
  transaction?: string;
  confirmations?: number;
  payer?: string;
}

/**
 * The status of a stored reference (a transfer is bound to it), with the confirmations read from the
 * chain when known.
 *
 * @example
 * storedStatus(reference, 3, 1) // { state: 'pending', confirmations: 1, requiredConfirmations: 3, ... }
 */
export function storedStatus(reference: PaymentReference, required: number, confirmations?: number): ProofStatus {
  const expired = reference.state === 'open' && reference.expiresAt.getTime() <= Date.now();
  const state = expired ? 'expired' : reference.state === 'pending' && (confirmations ?? 0) >= required ? 'confirmed' : reference.state === 'claimed' ? 'pending' : reference.state;
  return {
    reference: reference.reference,
    state,
    network: reference.network,
    asset: reference.asset,
    payTo: reference.payTo,
    amount: reference.amount,
    expiresAt: reference.expiresAt.toISOString(),
    requiredConfirmations: required,
    ...(reference.transaction ? { transaction: reference.transaction } : {}),
    ...(confirmations !== undefined ? { confirmations } : {}),
    ...(reference.payer ? { payer: reference.payer } : {}),
  };
}

/**
 * The status of a reference no transfer is bound to: `open` or `expired`, read from the reference
 * itself (what it says, not whether this server issued it: that is checked where it is presented).
 *
 * @example
 * openStatus(reference, (network) => 3) // { state: 'open', network: 'eip155:8453', amount: '20000', ... }
 */
export function openStatus(reference: string, required: (network: string) => number): ProofStatus | undefined {
  const fields = referenceFields(reference);
  if (!fields) return undefined;
  const network = `eip155:${fields.chainId}`;
  return {
    reference,
    state: fields.expiresAt.getTime() <= Date.now() ? 'expired' : 'open',
    network,
    amount: fields.amount,
    expiresAt: fields.expiresAt.toISOString(),
    requiredConfirmations: required(network),
  };
}
