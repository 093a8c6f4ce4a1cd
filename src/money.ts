/**
 * Exact money arithmetic for the spending cap: bigint only, never floating point.
 *
 * Token amounts arrive in atomic units (e.g. "10000" with 6 decimals = 0.01 USDC); the user's cap is a
 * decimal USD string (e.g. "1.00"). Both are compared as fractions: amount / 10^decimals <= units / 10^scale.
 */

/** Decimals assumed when neither a known asset table nor `extra.decimals` says otherwise (USDC-like). */
export const DEFAULT_DECIMALS = 6;

/** Largest decimals value accepted (ERC-20 `decimals()` is a uint8). */
export const MAX_DECIMALS = 255;

/** A non-negative decimal amount: `units / 10^scale` (e.g. "1.50" -> { units: 150n, scale: 2 }). */
export interface DecimalAmount {
  units: bigint;
  scale: number;
}

const USD_PATTERN = /^\$?(\d*)(?:\.(\d*))?$/;

/**
 * Parses a USD amount such as "1", "1.00", "$0.25" or ".5".
 *
 * @throws RangeError when the text is not a non-negative decimal number
 */
export function parseUsd(text: string): DecimalAmount {
  const trimmed = text.trim();
  const match = USD_PATTERN.exec(trimmed);
  if (!match || trimmed.length > 80) throw new RangeError(`not a USD amount: "${text}"`);
  const whole = match[1] ?? '';
  const fraction = match[2] ?? '';
  if (whole === '' && fraction === '') throw new RangeError(`not a USD amount: "${text}"`);
  return { units: BigInt(`${whole}${fraction}` || '0'), scale: fraction.length };
}

/** Parses an atomic token amount (a string of digits); undefined when it is anything else. */
export function parseAtomicAmount(value: unknown): bigint | undefined {
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'bigint' && value >= 0n) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return undefined;
}

/** True when `amount` atomic units of a token with `decimals` decimals is strictly more than `cap` USD. */
export function exceedsCap(amount: bigint, decimals: number, cap: DecimalAmount): boolean {
  assertDecimals(decimals);
  return amount * 10n ** BigInt(cap.scale) > cap.units * 10n ** BigInt(decimals);
}

/**
 * Formats atomic units as a plain decimal string without trailing zeros: (10000n, 6) -> "0.01".
 */
export function formatUnits(amount: bigint, decimals: number): string {
  assertDecimals(decimals);
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  const fraction = decimals === 0 ? '' : (abs % base).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Formats atomic units of a USD-pegged token as dollars with at least two decimals: (10000n, 6) -> "$0.01". */
export function formatUsd(amount: bigint, decimals: number): string {
  const plain = formatUnits(amount, decimals);
  const negative = plain.startsWith('-');
  const [whole, fraction = ''] = (negative ? plain.slice(1) : plain).split('.');
  return `${negative ? '-' : ''}$${whole}.${fraction.padEnd(2, '0')}`;
}

/** Formats a parsed decimal amount (e.g. the cap) as dollars: { units: 1n, scale: 0 } -> "$1.00". */
export function formatDecimalUsd(value: DecimalAmount): string {
  return formatUsd(value.units, value.scale);
}

/**
 * Reads token decimals from a requirement's `extra.decimals` (number or digit string);
 * falls back to {@link DEFAULT_DECIMALS} when absent or not a valid uint8.
 */
export function decimalsFromExtra(extra: unknown): number {
  const raw = extra && typeof extra === 'object' ? (extra as Record<string, unknown>).decimals : undefined;
  const value = typeof raw === 'string' && /^\d{1,3}$/.test(raw) ? Number(raw) : raw;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_DECIMALS
    ? value
    : DEFAULT_DECIMALS;
}

function assertDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new RangeError(`invalid token decimals: ${decimals}`);
  }
}
