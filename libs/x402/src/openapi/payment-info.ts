import type { AcceptedNetwork } from '../config/x402.config.js';
import { formatAtomic, type Quote } from '../pricing/price.js';
import type { RoutePlan } from '../pricing/route-plan.types.js';

/** The OpenAPI extension that carries the price of an operation. */
export const X_PAYMENT_INFO = 'x-payment-info';

/**
 * One way to pay an operation: the `accepts` entry of its 402, without `amount` when the price is
 * dynamic. `exact` and `upto` (usage-based: `amount` is the most the payer authorizes) are signed
 * x402 payments; `tx-hash` asks for a plain transfer proven by its transaction hash (each 402 adds a
 * fresh payment reference in `extra.reference`).
 */
export interface X402AcceptedOption {
  scheme: 'exact' | 'upto' | 'tx-hash';
  network: string;
  /** Atomic units of `asset` (`10000` = 0.01 USDC); absent for a dynamic price; the maximum for `upto`. */
  amount?: string;
  asset: string;
  payTo: string;
  maxTimeoutSeconds: number;
  /** EIP-712 domain of the token, as in the 402; for `tx-hash` also the confirmations required and the proof header. */
  extra: { name: string; version: string } & Record<string, unknown>;
}

/** `price` of {@link X402PaymentInfo}: fixed USD amount, or dynamic (computed per request). */
export type X402PaymentInfoPrice =
  | { mode: 'fixed'; currency: 'USD'; amount: string }
  | { mode: 'dynamic'; currency: 'USD'; min?: string; max?: string; description: string };

/**
 * Value of the `x-payment-info` extension of a priced operation. The shape follows the convention
 * of OpenAPI-first x402 discovery (x402scan / AgentCash; a superset of the IETF payment discovery
 * draft): `price` in decimal USD and `protocols` as objects, here with the x402 details.
 *
 * @example
 * {
 *   price: { mode: 'fixed', currency: 'USD', amount: '0.01' },
 *   protocols: [{ x402: { version: 2, scheme: 'exact', payTo: '0x3C44…', accepts: [{ network: 'eip155:8453', amount: '10000', … }] } }],
 * }
 */
export interface X402PaymentInfo {
  price: X402PaymentInfoPrice;
  protocols: Array<{
    x402: {
      version: 2;
      /** `upto` for a usage price (the amounts are maxima), else `exact`. */
      scheme: 'exact' | 'upto';
      payTo: string;
      /** The `accepts` of the 402, one entry per network and asset. */
      accepts: X402AcceptedOption[];
      /** Token symbols, for display (`['USDC']`). */
      symbols: string[];
    };
  }>;
}

function option(plan: RoutePlan, network: string, asset: AcceptedNetwork['asset'], amount?: bigint): X402AcceptedOption {
  return {
    scheme: plan.scheme ?? 'exact',
    network,
    ...(amount === undefined ? {} : { amount: amount.toString() }),
    asset: asset.address,
    payTo: plan.payTo,
    maxTimeoutSeconds: plan.maxTimeoutSeconds,
    // An `upto` entry of the live 402 also names the facilitator that may settle it (`facilitatorAddress`), known only at run time.
    extra: { name: asset.name, version: asset.version, ...(plan.scheme === 'upto' ? { assetTransferMethod: 'permit2' } : {}) },
  };
}

/** The `tx-hash` entries of a `txProof` route, after the signed ones: one per network proofs are checked on. */
function proofOptions(plan: RoutePlan, options: X402AcceptedOption[]): X402AcceptedOption[] {
  if (!plan.txProof) return [];
  const { confirmations, ttlSeconds } = plan.txProof;
  return options
    .filter((o) => confirmations[o.network] !== undefined)
    .map((o) => ({ ...o, scheme: 'tx-hash', maxTimeoutSeconds: ttlSeconds, extra: { ...o.extra, confirmations: confirmations[o.network], proofHeader: 'X-PAYMENT-PROOF', sign: 'personal_sign(reference)' } }));
}

function usd(quote: Quote): string {
  return formatAtomic(quote.amount, quote.asset.decimals);
}

/** What a dynamic price says about itself: the route's description, or a generic sentence. */
export function dynamicPriceDescription(plan: RoutePlan): string {
  return plan.options.description ? `computed per request: ${plan.options.description}` : 'computed per request; the 402 answer gives the exact amount';
}

/**
 * The `x-payment-info` of a route: its quotes for a static price (validated, the same numbers the
 * guard charges), or the accepted networks without amounts for a dynamic one, with the bounds
 * (`min`/`max` of `@Priced`) it declares.
 *
 * @example
 * paymentInfoFor(pricing.planFor(WeatherController, handler, metadata), config.accepted)
 */
export function paymentInfoFor(plan: RoutePlan, accepted: readonly AcceptedNetwork[]): X402PaymentInfo {
  let price: X402PaymentInfoPrice;
  let accepts: X402AcceptedOption[];
  let symbols: string[];
  if (plan.quotes) {
    accepts = plan.quotes.map((q) => option(plan, q.network, q.asset, q.amount));
    symbols = plan.quotes.map((q) => q.asset.symbol);
    const amounts = [...new Set(plan.quotes.map(usd))].sort((a, b) => Number(a) - Number(b));
    price =
      plan.scheme === 'upto'
        ? { mode: 'dynamic', currency: 'USD', max: amounts[amounts.length - 1], description: 'usage-based: the payer authorizes the maximum, the actual cost of the call is charged' }
        : amounts.length === 1
          ? { mode: 'fixed', currency: 'USD', amount: amounts[0] }
          : { mode: 'dynamic', currency: 'USD', min: amounts[0], max: amounts[amounts.length - 1], description: 'depends on the network paid on' };
  } else {
    accepts = accepted.map((a) => option(plan, a.network, a.asset));
    symbols = accepted.map((a) => a.asset.symbol);
    const { min, max } = plan.bounds ?? {};
    price = { mode: 'dynamic', currency: 'USD', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), description: dynamicPriceDescription(plan) };
  }
  accepts.push(...proofOptions(plan, accepts));
  return { price, protocols: [{ x402: { version: 2, scheme: plan.scheme ?? 'exact', payTo: plan.payTo, accepts, symbols: [...new Set(symbols)] } }] };
}

/** A USD amount for display, with at least cents: `0.1` -> `$0.10`, `0.001` -> `$0.001`. */
function dollars(amount: string): string {
  const [whole, fraction = ''] = amount.split('.');
  return `$${whole}.${fraction.padEnd(2, '0')}`;
}

/**
 * A short label of the price for humans, e.g. the prefix of an operation summary.
 *
 * @example
 * priceLabel(info) // '$0.01 · USDC'
 */
export function priceLabel(info: X402PaymentInfo): string {
  const symbols = info.protocols[0].x402.symbols.join('/');
  const { price } = info;
  if (price.mode === 'fixed') return `${dollars(price.amount)} · ${symbols}`;
  if (price.min !== undefined && price.max !== undefined) return `${dollars(price.min)}–${dollars(price.max)} · ${symbols}`;
  if (price.max !== undefined) return `Up to ${dollars(price.max)} · ${symbols}`;
  return `Dynamic price · ${symbols}`;
}

/**
 * A paragraph for the operation description: the price and how to pay it.
 *
 * @example
 * priceDescription(info) // '**x402 price: $0.01 (USD)** — 10000 atomic units of USDC …'
 */
export function priceDescription(info: X402PaymentInfo): string {
  const { scheme, symbols } = info.protocols[0].x402;
  const accepts = info.protocols[0].x402.accepts.filter((a) => a.scheme !== 'tx-hash');
  const proofs = info.protocols[0].x402.accepts.filter((a) => a.scheme === 'tx-hash');
  const token = symbols.length === 1 ? `${symbols[0]} ` : '';
  const how =
    `Send a signed x402 payment${scheme === 'upto' ? ' (scheme `upto`: a Permit2 signature for the maximum)' : ''} in the \`PAYMENT-SIGNATURE\` header; ` +
    'without one the route answers `402` with the payment requirements in the `PAYMENT-REQUIRED` header (and in the JSON body).' +
    (proofs.length > 0
      ? ` Or send exactly the amount with a plain token transfer and present its transaction hash in the \`X-PAYMENT-PROOF\` header with the payment reference of the 402's \`tx-hash\` entry, signed by the sending wallet (${proofs.map((p) => `${p.extra.confirmations} confirmation(s) on ${p.network}`).join(', ')}).`
      : '');
  if (info.price.mode === 'fixed') {
    const options = accepts.map((a) => `${a.amount} atomic units of ${token}${a.asset} on ${a.network}`).join(', or ');
    return `**x402 price: ${dollars(info.price.amount)} (USD)**, paid as ${options}. ${how}`;
  }
  if (scheme === 'upto' && info.price.max !== undefined) {
    const options = accepts.map((a) => `${a.amount} atomic units of ${token}${a.asset} on ${a.network}`).join(', or ');
    return `**x402 price: up to ${dollars(info.price.max)} (USD)**, ${info.price.description}; at most ${options}. ${how}`;
  }
  const range = info.price.min !== undefined && info.price.max !== undefined ? ` from ${dollars(info.price.min)} to ${dollars(info.price.max)}` : '';
  const networks = accepts.map((a) => `${token}${a.asset} on ${a.network}`).join(', or ');
  return `**x402 price: dynamic**${range}, ${info.price.description}; paid in ${networks}. ${how}`;
}
