import type { AcceptedNetwork } from '../config/x402.config.js';
import type { Network } from '../x402.options.js';

/** A price in the token's atomic units (e.g. `10000` = 0.01 USDC), optionally pinned to one network. */
export interface AtomicPrice {
  amount: string | bigint;
  /** Token address; must be the configured asset of at least one accepted network. */
  asset: string;
  network?: string;
}

/** A USD amount (`'0.01'`, `'$0.01'`) paid in each network's USD token, or an {@link AtomicPrice}. */
export type StaticPrice = string | number | AtomicPrice;

/** A price computed from the request, for dynamic pricing. May be async. */
export type DynamicPrice<TRequest = any> = (request: TRequest) => StaticPrice | Promise<StaticPrice>;

/** What `@Priced` takes: a fixed price, or a function of the request returning one (sync or async). */
export type PriceInput = StaticPrice | DynamicPrice;

/** One payable option of a route: this amount of this asset on this network. */
export interface Quote {
  network: Network;
  asset: AcceptedNetwork['asset'];
  amount: bigint;
}

/** A price that cannot be turned into atomic units; `message` says why. */
export class PriceError extends Error {
  override name = 'PriceError';
}

const USD = /^\$?(\d+)(?:\.(\d+))?$/;

/**
 * Converts a USD amount to atomic units with integer arithmetic only.
 * Rejects amounts finer than the token's smallest unit instead of rounding them.
 *
 * @example
 * parseUsdAmount('$0.01', 6) // 10000n
 */
export function parseUsdAmount(value: string | number, decimals: number): bigint {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = USD.exec(text);
  if (!match) throw new PriceError(`"${text}" is not a USD amount like "0.01" or "$0.01"`);
  const [, whole, fraction = ''] = match;
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > decimals) {
    throw new PriceError(`"${text}" is finer than the token's smallest unit (${decimals} decimals)`);
  }
  const atomic = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(significant.padEnd(decimals, '0') || '0');
  if (atomic <= 0n) throw new PriceError(`"${text}" must be more than zero`);
  return atomic;
}

/**
 * Formats atomic units as a decimal string without floating point (`10000n`, 6 -> `0.01`).
 *
 * @example
 * formatUnits(1500000n, 6) // '1.5'
 */
export function formatAtomic(amount: bigint, decimals: number): string {
  const base = 10n ** BigInt(decimals);
  const whole = amount / base;
  const fraction = (amount % base).toString().padStart(decimals, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole.toString();
}

function parseAtomicAmount(amount: unknown): bigint {
  if (typeof amount === 'bigint') {
    if (amount <= 0n) throw new PriceError('amount must be more than zero');
    return amount;
  }
  if (typeof amount !== 'string' || !/^[0-9]+$/.test(amount)) {
    throw new PriceError(`amount must be a string of atomic units like "10000", got ${JSON.stringify(amount)}`);
  }
  const value = BigInt(amount);
  if (value <= 0n) throw new PriceError('amount must be more than zero');
  return value;
}

/**
 * Turns a price into one quote per accepted network it can be paid on.
 *
 * @example
 * quotePrice('0.01', config.accepted) // [{ network: 'eip155:8453', asset, amount: 10000n }]
 */
export function quotePrice(price: StaticPrice, accepted: readonly AcceptedNetwork[]): Quote[] {
  if (typeof price === 'string' || typeof price === 'number') {
    return accepted.map(({ network, asset }) => ({ network, asset, amount: parseUsdAmount(price, asset.decimals) }));
  }
  if (!price || typeof price !== 'object') throw new PriceError(`unsupported price ${JSON.stringify(price)}`);
  const amount = parseAtomicAmount(price.amount);
  if (typeof price.asset !== 'string') throw new PriceError('asset must be a token address');
  const quotes = accepted
    .filter((a) => a.asset.address.toLowerCase() === price.asset.toLowerCase())
    .filter((a) => price.network === undefined || a.network === price.network)
    .map(({ network, asset }) => ({ network, asset, amount }));
  if (quotes.length === 0) {
    const where = price.network ? ` on ${price.network}` : '';
    throw new PriceError(`asset ${price.asset}${where} is not an accepted asset of any configured network`);
  }
  return quotes;
}
