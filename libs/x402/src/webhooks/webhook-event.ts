import { createHash, randomUUID } from 'node:crypto';
import type { X402Event } from '../events/x402-event.types.js';
import type { SettlementMode } from '../ledger/payment-store.interface.js';

/**
 * What a merchant hears about:
 * - `payment.settled`: money moved (the facilitator settled it, or it was found on chain afterwards);
 * - `payment.proof_confirmed`: a payment by transaction-hash proof reached its confirmations and was accepted;
 * - `payment.pending`: a settlement's outcome is unknown (the facilitator failed while the transaction may
 *   have been sent); it is reconciled from the chain and followed by `payment.settled` or `payment.failed`;
 * - `payment.failed`: the ledger records a settlement as failed (no money moved, as far as the module can tell).
 */
export type X402WebhookEventType = 'payment.settled' | 'payment.failed' | 'payment.pending' | 'payment.proof_confirmed';

/** Every {@link X402WebhookEventType}, e.g. to validate configuration. */
export const X402_WEBHOOK_EVENT_TYPES: readonly X402WebhookEventType[] = ['payment.settled', 'payment.failed', 'payment.pending', 'payment.proof_confirmed'];

/** The payment an event is about. Never the signature, the authorization or its nonce. */
export interface X402WebhookPaymentData {
  /** Id of the payment in the ledger (the receipt id of the admin API and the logs). */
  readonly receiptId: string;
  /** `METHOD /path/template` of the route. */
  readonly route: string;
  /** CAIP-2 network, e.g. `eip155:8453`. */
  readonly network: string;
  /** Token address. */
  readonly asset: string;
  /** Amount in the token's atomic units (decimal string). */
  readonly amount: string;
  /** Payer address. */
  readonly payer: string;
  readonly mode: SettlementMode;
  /** Settlement (or proof) transaction hash; absent while pending or when it failed. */
  readonly transaction?: string;
  /** `payment.failed` and `payment.pending`: why (a stable code, e.g. `insufficient_funds`, `facilitator_timeout`). */
  readonly reason?: string;
  /** `payment.settled`: found on chain after an interrupted settlement. */
  readonly reconciled?: boolean;
}

/**
 * The JSON body POSTed to an endpoint. `id` is the same on every delivery attempt and redelivery:
 * de-duplicate on it. A payment has at most one `payment.settled` (or `payment.proof_confirmed`) id.
 */
export interface X402WebhookEvent {
  readonly id: string;
  readonly type: X402WebhookEventType;
  /** When the event happened (ISO 8601). */
  readonly createdAt: string;
  readonly data: X402WebhookPaymentData;
}

/** What the recorder needs to know to classify an event (from the ledger and the settlement service). */
export interface X402WebhookEventContext {
  /** The payment was made by transaction-hash proof. */
  readonly proof?: boolean;
  /** The settlement's outcome is still unknown and will be reconciled from the chain. */
  readonly uncertain?: boolean;
}

/** Stable id of an event that happens at most once per payment; a random one otherwise. */
function eventId(type: X402WebhookEventType, receiptId: string, once: boolean): string {
  if (!once) return `evt_${randomUUID().replace(/-/g, '')}`;
  return `evt_${createHash('sha256').update(`${type}:${receiptId}`).digest('hex').slice(0, 32)}`;
}

/**
 * The webhook event for an {@link X402Event}, or undefined when merchants are not told about it
 * (challenges, verifications, replays, outages; refusals before settlement and handler errors, which
 * moved no money and which anyone can cause by sending a bad payment).
 *
 * A settlement is one event per payment: its id derives from the receipt id, so the same settlement
 * reported twice (by the request, then by the reconciler) is stored and delivered once.
 *
 * @example
 * const event = toWebhookEvent({ type: 'settled', ...facts, transaction: '0x…' });
 * // { id: 'evt_…', type: 'payment.settled', createdAt: '…', data: { receiptId, route, amount, transaction, … } }
 */
export function toWebhookEvent(event: X402Event, context: X402WebhookEventContext = {}, now = new Date()): X402WebhookEvent | undefined {
  if (event.type === 'settled') {
    const type: X402WebhookEventType = context.proof ? 'payment.proof_confirmed' : 'payment.settled';
    const { receiptId, route, network, asset, amount, payer, mode, transaction, reconciled } = event;
    return {
      id: eventId(type, receiptId, true),
      type,
      createdAt: now.toISOString(),
      data: { receiptId, route, network, asset, amount, payer, mode, transaction, ...(reconciled ? { reconciled } : {}) },
    };
  }
  if (event.type === 'failed' && event.stage === 'settle' && event.receiptId) {
    const type: X402WebhookEventType = context.uncertain ? 'payment.pending' : 'payment.failed';
    const { receiptId, route, network, asset, amount, payer, mode, reason } = event;
    if (!network || !asset || !amount || !payer) return undefined;
    return { id: eventId(type, receiptId, false), type, createdAt: now.toISOString(), data: { receiptId, route, network, asset, amount, payer, mode: mode ?? 'authorization', reason } };
  }
  return undefined;
}
