/** A built 402: the `PAYMENT-REQUIRED` header value and the JSON body (read-only: it is served again). */
export interface BuiltChallenge {
  header: string;
  body: Record<string, unknown>;
}

/** How many resource URLs of one route offer keep their 402: the URL comes from the request. */
const DEFAULT_MAX_URLS_PER_OFFER = 512;

/**
 * The 402s of statically priced routes, kept per route offer and key (resource URL and facilitator
 * generation), so that a request without payment costs a lookup instead of building, JSON-encoding
 * and base64-encoding the same challenge again. An offer that is rebuilt starts empty (entries go
 * with it), and each offer keeps at most `maxPerOffer` keys, dropping the oldest, so clients that
 * vary the path or Host header cannot grow it without bound.
 *
 * @example
 * const built = cache.get(offer, url, () => ({ header: encodePaymentRequired(paymentRequired), body }));
 */
export class ChallengeCache {
  private readonly byOffer = new WeakMap<object, Map<string, BuiltChallenge>>();

  constructor(private readonly maxPerOffer = DEFAULT_MAX_URLS_PER_OFFER) {}

  get(offer: object, key: string, build: () => BuiltChallenge): BuiltChallenge {
    let entries = this.byOffer.get(offer);
    if (!entries) {
      entries = new Map();
      this.byOffer.set(offer, entries);
    }
    let built = entries.get(key);
    if (!built) {
      built = build();
      if (entries.size >= this.maxPerOffer) entries.delete(entries.keys().next().value!);
      entries.set(key, built);
    }
    return built;
  }
}
