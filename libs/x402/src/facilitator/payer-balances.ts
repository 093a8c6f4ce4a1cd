import type { Hex } from 'viem';

/** How long a payer's token balance, as read from the chain, is taken as known. */
export const PAYER_BALANCE_TTL_MS = 15_000;

interface Known {
  balance: bigint;
  until: number;
  /** Payments verified against this balance and not settled yet: nonce -> amount and validBefore (s). */
  reserved: Map<string, { amount: bigint; validBefore: number }>;
}

/**
 * What each payer can still pay, as this process knows it: the token balance read at most every
 * {@link PAYER_BALANCE_TTL_MS}, less the payments verified against it and not yet settled. A settled
 * payment comes off the balance and its reservation; a failed or expired one off the reservations (a failed one
 * also makes the next payment read the balance again: it may have gone elsewhere).
 * Errs towards "not covered" (then the caller checks the chain): a settlement that lands while the balance
 * is being read counts twice until the next read, never zero times.
 */
export class PayerBalances {
  private readonly known = new Map<string, Known>();
  /** Reads under way, shared by the payments that need them. */
  private readonly reading = new Map<string, Promise<bigint>>();

  constructor(
    private readonly read: (asset: Hex, payer: Hex) => Promise<bigint>,
    private readonly ttlMs = PAYER_BALANCE_TTL_MS,
  ) {}

  /** Reserves `amount` for the payment `nonce` if the payer's known balance covers it; false otherwise. */
  async reserve(asset: Hex, payer: Hex, nonce: string, amount: bigint, validBefore: number): Promise<boolean> {
    const key = `${asset}:${payer}`.toLowerCase();
    let entry = this.known.get(key);
    const now = Date.now();
    if (!entry || entry.until <= now) {
      const balance = await this.fresh(asset, payer, key);
      entry = this.known.get(key);
      if (!entry || entry.until <= now) entry = this.remember(key, balance, now);
    }
    let pending = 0n;
    for (const [id, r] of entry.reserved) {
      if (r.validBefore * 1000 <= now) entry.reserved.delete(id); // it can no longer land
      else pending += r.amount;
    }
    if (entry.reserved.has(nonce.toLowerCase()) || pending + amount > entry.balance) return false;
    entry.reserved.set(nonce.toLowerCase(), { amount, validBefore });
    return true;
  }

  /** Starts reading the payer's balance if it is not known (a payment of theirs is about to be reserved): its read overlaps other checks. */
  prefetch(asset: Hex, payer: Hex): void {
    const key = `${asset}:${payer}`.toLowerCase();
    if ((this.known.get(key)?.until ?? 0) <= Date.now()) this.fresh(asset, payer, key).catch(() => undefined);
  }

  /**
   * The payer's balance read now, or the read under way; a read is remembered when it ends (a prefetch that ends
   * before its payment is reserved is not read again), unless a failed settlement made it stale meanwhile.
   */
  private fresh(asset: Hex, payer: Hex, key: string): Promise<bigint> {
    let read = this.reading.get(key);
    if (!read) {
      const at = Date.now();
      const started: Promise<bigint> = this.read(asset, payer)
        .then((balance) => {
          if (this.reading.get(key) === started) this.remember(key, balance, at);
          return balance;
        })
        .finally(() => {
          if (this.reading.get(key) === started) this.reading.delete(key);
        });
      read = started;
      this.reading.set(key, read);
    }
    return read;
  }

  private remember(key: string, balance: bigint, readAt: number): Known {
    const reserved = this.known.get(key)?.reserved ?? new Map();
    if (this.known.size >= 10_000 && !this.known.has(key)) this.known.clear();
    const entry = { balance, until: readAt + this.ttlMs, reserved };
    this.known.set(key, entry);
    return entry;
  }

  /** A payment's settlement ended: settled (the money left the balance) or not (it did not). */
  settled(asset: string, payer: string, nonce: string, success: boolean): void {
    const entry = this.known.get(`${asset}:${payer}`.toLowerCase());
    const reservation = entry?.reserved.get(nonce.toLowerCase());
    if (!entry || !reservation) return;
    entry.reserved.delete(nonce.toLowerCase());
    if (success) entry.balance -= reservation.amount;
    else {
      entry.until = 0; // a failed settlement may mean the balance went elsewhere: read it again before the next payment
      this.reading.delete(`${asset}:${payer}`.toLowerCase()); // a read begun before it does not count
    }
  }
}
