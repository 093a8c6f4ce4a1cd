import { decimalsFromExtra, exceedsCap, formatUnits, formatUsd, parseAtomicAmount, parseUsd } from './money.js';

describe('parseUsd', () => {
  it.each([
    ['1', { units: 1n, scale: 0 }],
    ['1.00', { units: 100n, scale: 2 }],
    ['$0.25', { units: 25n, scale: 2 }],
    ['.5', { units: 5n, scale: 1 }],
    ['0', { units: 0n, scale: 0 }],
    ['12345678901234567890.123456789', { units: 12345678901234567890123456789n, scale: 9 }],
  ])('parses %s', (text, expected) => {
    expect(parseUsd(text)).toEqual(expected);
  });

  it.each(['', '-1', 'abc', '1e3', '1.2.3', '$', '.', '1,5', '0x10'])('rejects %p', (text) => {
    expect(() => parseUsd(text)).toThrow(RangeError);
  });
});

describe('exceedsCap (bigint, no floating point)', () => {
  const cap = (text: string) => parseUsd(text);

  it('accepts a price exactly at the cap', () => {
    expect(exceedsCap(1_000_000n, 6, cap('1.00'))).toBe(false);
    expect(exceedsCap(10_000n, 6, cap('0.01'))).toBe(false);
  });

  it('refuses one atomic unit over the cap', () => {
    expect(exceedsCap(1_000_001n, 6, cap('1.00'))).toBe(true);
    expect(exceedsCap(10_001n, 6, cap('0.01'))).toBe(true);
  });

  it('accepts prices under the cap', () => {
    expect(exceedsCap(999_999n, 6, cap('1'))).toBe(false);
    expect(exceedsCap(0n, 6, cap('0'))).toBe(false);
  });

  it('refuses anything but zero with a zero cap', () => {
    expect(exceedsCap(1n, 6, cap('0'))).toBe(true);
  });

  it('uses the token decimals (18 and 0)', () => {
    expect(exceedsCap(10n ** 18n, 18, cap('1'))).toBe(false);
    expect(exceedsCap(10n ** 18n + 1n, 18, cap('1'))).toBe(true);
    expect(exceedsCap(2n, 0, cap('1.99'))).toBe(true);
    expect(exceedsCap(1n, 0, cap('1.99'))).toBe(false);
    // the same atomic amount is cheap at 18 decimals and expensive at 6
    expect(exceedsCap(5_000_000n, 18, cap('0.01'))).toBe(false);
    expect(exceedsCap(5_000_000n, 6, cap('0.01'))).toBe(true);
  });

  it('stays exact where floating point would not', () => {
    // 0.1 + 0.2 style traps: 300000 atomic = $0.30 exactly at 6 decimals
    expect(exceedsCap(300_000n, 6, cap('0.3'))).toBe(false);
    expect(exceedsCap(300_001n, 6, cap('0.3'))).toBe(true);
    // 2^53 + 1 is not representable as a double
    expect(exceedsCap(9_007_199_254_740_993n, 6, cap('9007199254.740992'))).toBe(true);
    expect(exceedsCap(9_007_199_254_740_992n, 6, cap('9007199254.740992'))).toBe(false);
  });

  it('handles huge values (uint256 max)', () => {
    const max = 2n ** 256n - 1n;
    expect(exceedsCap(max, 6, cap('1000000000'))).toBe(true);
    expect(exceedsCap(max, 6, { units: max, scale: 6 })).toBe(false);
    expect(exceedsCap(max, 6, { units: max - 1n, scale: 6 })).toBe(true);
  });

  it('rejects invalid decimals', () => {
    expect(() => exceedsCap(1n, -1, cap('1'))).toThrow(RangeError);
    expect(() => exceedsCap(1n, 1.5, cap('1'))).toThrow(RangeError);
  });
});

describe('formatting', () => {
  it.each([
    [10_000n, 6, '0.01'],
    [1_000_000n, 6, '1'],
    [1n, 6, '0.000001'],
    [123_456_789n, 6, '123.456789'],
    [0n, 6, '0'],
    [-10_000n, 6, '-0.01'],
    [42n, 0, '42'],
  ])('formatUnits(%p, %p) = %p', (amount, decimals, expected) => {
    expect(formatUnits(amount, decimals)).toBe(expected);
  });

  it.each([
    [10_000n, 6, '$0.01'],
    [1_000_000n, 6, '$1.00'],
    [1n, 6, '$0.000001'],
    [1_500_000n, 6, '$1.50'],
  ])('formatUsd(%p, %p) = %p', (amount, decimals, expected) => {
    expect(formatUsd(amount, decimals)).toBe(expected);
  });
});

describe('parseAtomicAmount', () => {
  it('accepts digit strings only', () => {
    expect(parseAtomicAmount('10000')).toBe(10_000n);
    expect(parseAtomicAmount('115792089237316195423570985008687907853269984665640564039457584007913129639935')).toBe(2n ** 256n - 1n);
    for (const bad of ['', '-1', '1.5', '0x10', ' 1', '1e6', null, undefined, {}]) {
      expect(parseAtomicAmount(bad)).toBeUndefined();
    }
  });
});

describe('decimalsFromExtra', () => {
  it('reads extra.decimals, else assumes 6', () => {
    expect(decimalsFromExtra({ decimals: 18 })).toBe(18);
    expect(decimalsFromExtra({ decimals: '8' })).toBe(8);
    expect(decimalsFromExtra({ decimals: 0 })).toBe(0);
    expect(decimalsFromExtra({})).toBe(6);
    expect(decimalsFromExtra(undefined)).toBe(6);
    expect(decimalsFromExtra({ decimals: 'lots' })).toBe(6);
    expect(decimalsFromExtra({ decimals: 1.5 })).toBe(6);
    expect(decimalsFromExtra({ decimals: 999 })).toBe(6);
  });
});
