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
