import type { FacilitatorClient } from '@x402/core/server';
import type { PaymentPayload, PaymentRequirements, SettleResponse } from '@x402/core/types';

/** A facilitator that can settle many payments in one transaction (the local facilitator does, through Multicall3). */
export interface BatchSettlingFacilitator extends FacilitatorClient {
  /** Settles each item; the answers come in the order of `items`. */
  settleBatch(items: { payload: PaymentPayload; requirements: PaymentRequirements }[]): Promise<SettleResponse[]>;
}

/**
 * Whether a facilitator client settles in batches: settlement asks for the capability, not for a
 * class, so it needs nothing of the local facilitator's wallet or queue (and a custom client may offer it too).
 *
 * @example
 * if (settlesInBatches(facilitator)) await facilitator.settleBatch(items);
 */
export function settlesInBatches(client: FacilitatorClient): client is BatchSettlingFacilitator {
  return typeof (client as Partial<BatchSettlingFacilitator>).settleBatch === 'function';
}

/** A facilitator that runs in this process: its settle answers come from our own wallet, not over a network. */
export interface InProcessFacilitator extends FacilitatorClient {
  readonly inProcess: true;
}

/**
 * Whether a facilitator client runs in this process (the local facilitator): its `success: true` is
 * not re-read from the chain, since it is the one that saw the receipt.
 *
 * @example
 * if (!runsInProcess(facilitator)) await checkOnChain(result);
 */
export function runsInProcess(client: FacilitatorClient): client is InProcessFacilitator {
  return (client as Partial<InProcessFacilitator>).inProcess === true;
}

/** A facilitator that can start reading, ahead of its verify, what verifying a payment will need (the payer's code and balance). */
export interface PrefetchingFacilitator extends FacilitatorClient {
  /** Starts the reads; never throws, and changes no answer (a failed read is read again by the verify). */
  prefetch(payload: PaymentPayload, requirements: PaymentRequirements): void;
}

/**
 * Whether a facilitator client reads ahead (the local facilitator does): the guard asks it to, so that a new payer's
 * chain reads overlap the ledger's claim instead of following it.
 *
 * @example
 * if (prefetches(facilitator)) facilitator.prefetch(payload, requirements);
 */
export function prefetches(client: FacilitatorClient): client is PrefetchingFacilitator {
  return typeof (client as Partial<PrefetchingFacilitator>).prefetch === 'function';
}

/**
 * A facilitator that prepares a settlement while the ledger records the payment as settling, and sends it only once
 * that write went through (see `settleOnceRecorded`): the local facilitator. Others are called after the write.
 */
export interface RecordedGateFacilitator extends FacilitatorClient {
  readonly preparesWhileRecorded: true;
}

/** Whether a facilitator client honours `settleOnceRecorded` (its settle may start before the ledger write ends). */
export function preparesWhileRecorded(client: FacilitatorClient): client is RecordedGateFacilitator {
  return (client as Partial<RecordedGateFacilitator>).preparesWhileRecorded === true;
}
