import type { PaymentPayload } from '@x402/core/types';
import type { PaymentRecord } from '../ledger/payment-store.interface.js';
import type { AuthorizationOnChain, ChainReader } from './chain-reader.js';

/**
 * Facilitator reasons an earlier attempt of the same payment can cause, which therefore do not say it
 * failed: its nonce already used, its transaction reverted (the nonce went first), a settlement pending.
 */
export const NONCE_SPENT = /nonce_already_used|nonce_used|invalid_nonce|transaction_failed|simulation_failed|invalid_transaction_state|settlement_pending/;

/** Facilitator reasons that will not change on a retry: the authorization itself is bad. */
export const PERMANENT = /^invalid_|insufficient|expired|_mismatch|unsupported/;

/**
 * What the chain says about a payment's authorization: used (and whether it paid payTo), or not. A network
 * the reader does not cover reads as unused.
 */
export function paymentOnChain(chain: ChainReader, record: PaymentRecord): Promise<AuthorizationOnChain> {
  if (!chain.covers(record.network)) return Promise.resolve({ used: false as const });
  if (record.scheme === 'upto') return chain.permit2Nonce(record.network, record.payer, record.nonce);
  return chain.authorization(record.network, record.asset, record.payer, record.nonce, { payTo: record.payTo, amount: record.amount });
}

/**
 * Whether the payment's authorization can no longer land: the chain's latest block is at or past its
 * `validBefore` (EIP-3009 requires `block.timestamp < validBefore`, and later blocks are not earlier).
 * A network the module cannot read falls back to this server's clock, with a minute of slack.
 */
export async function validityPassed(chain: ChainReader, record: PaymentRecord, pending: { payload: PaymentPayload }): Promise<boolean> {
  const inner = pending.payload?.payload as { authorization?: { validBefore?: unknown }; permit2Authorization?: { deadline?: unknown } } | undefined;
  const text = inner?.authorization?.validBefore ?? inner?.permit2Authorization?.deadline;
  if (typeof text !== 'string' && typeof text !== 'number') return true; // nothing to wait for
  const validBefore = BigInt(text);
  if (!chain.covers(record.network)) return BigInt(Math.floor(Date.now() / 1000)) > validBefore + 60n;
  return (await chain.timestamp(record.network)) >= validBefore;
}
