const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses an access window: `'90s'`, `'30m'`, `'1h'`, `'7d'`, or a number of seconds. Returns milliseconds.
 *
 * @example
 * parseAccessWindow('1h') // 3600000
 */
export function parseAccessWindow(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`access window must be a positive number of seconds, got ${value}`);
    return value * 1_000;
  }
  const match = /^([1-9][0-9]{0,6})\s*([smhd])$/.exec(value.trim());
  if (!match) throw new Error(`access window must look like "90s", "30m", "1h" or "7d", got ${JSON.stringify(value)}`);
  return Number(match[1]) * UNITS[match[2]];
}
