import type { PaymentRequirements } from '@x402/core/types';
import type { ResolvedProofs } from './proof-config.js';
import type { ReferenceSigner } from './proof-reference.js';
import type { RouteOffer, RoutePlan } from '../pricing/route-plan.types.js';
import { TX_HASH_SCHEME } from './tx-hash-scheme.js';

/** What {@link proofEntries} needs besides the route: the chain heads, the signer of references, where the status is served. */
export interface ProofQuoteContext {
  proofs: ResolvedProofs;
  references: ReferenceSigner;
  /** The chain head per network, as read for this quote. */
  head(network: string): Promise<bigint>;
  /** Absolute path of the status endpoint, when served. */
  statusPath?: string;
}

/**
 * One `tx-hash` entry per proof network of the offer: exactly the route's amount of its token to its
 * recipient, with a signed reference (nothing is stored), the confirmations required and how to
 * present the proof (`extra.proofHeader`, and `extra.sign`: the payer signs the reference).
 *
 * @example
 * const entries = await proofEntries(plan, offer, resourceUrl, context); // appended to the 402's accepts
 */
export async function proofEntries(plan: RoutePlan, offer: RouteOffer, resourceUrl: string, context: ProofQuoteContext): Promise<PaymentRequirements[]> {
  const { confirmations, ttlSeconds } = context.proofs;
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  const quotes = offer.quotes.filter((q) => confirmations[q.network] !== undefined);
  const heads = await Promise.all(quotes.map((q) => context.head(q.network)));
  return quotes.map((q, i) => {
    const quote = {
      route: plan.route,
      resourceUrl,
      network: q.network,
      asset: q.asset.address,
      payTo: plan.payTo,
      amount: q.amount.toString(),
      minBlock: heads[i].toString(),
      expiresAt,
    };
    const reference = context.references.issue(quote);
    return {
      scheme: TX_HASH_SCHEME,
      network: q.network as PaymentRequirements['network'],
      amount: quote.amount,
      asset: quote.asset,
      payTo: quote.payTo,
      maxTimeoutSeconds: ttlSeconds,
      extra: {
        reference,
        confirmations: confirmations[q.network],
        expiresAt: expiresAt.toISOString(),
        proofHeader: 'X-PAYMENT-PROOF',
        // the sender of the transfer signs the reference (EIP-191 personal_sign): the transfer then pays this reference only
        sign: 'personal_sign(reference)',
        ...(context.statusPath ? { status: `${new URL(resourceUrl).origin}${context.statusPath}/${reference}` } : {}),
        name: q.asset.name,
        version: q.asset.version,
      },
    };
  });
}
