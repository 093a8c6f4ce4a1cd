import type { AcceptedNetwork } from '../config/x402.config.js';
import { formatAtomic, parseUsdAmount, PriceError, quotePrice } from './price.js';

const usdc = (address: string, decimals = 6) => ({ address: address as `0x${string}`, name: 'USD Coin', version: '2', decimals, symbol: 'USDC' });
const accepted: AcceptedNetwork[] = [
  { network: 'eip155:8453', asset: usdc('0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913') },
  { network: 'eip155:84532', asset: usdc('0x036CbD53842c5426634e7929541eC2318f3dCF7e') },
];

describe('parseUsdAmount', () => {
  it.each([
    ['0.01', 6, 10_000n],
    ['$0.01', 6, 10_000n],
    ['1', 6, 1_000_000n],
    ['1.5', 6, 1_500_000n],
    ['0.000001', 6, 1n],
    ['0.10000000', 6, 100_000n],
    ['123456789.123456', 6, 123_456_789_123_456n],
    ['0.07', 18, 70_000_000_000_000_000n],
    ['0.29', 6, 290_000n], // 0.29 * 1e6 is 289999.99999999994 in floating point
  ])('%s with %i decimals is %s atomic units', (text, decimals, expected) => {
    expect(parseUsdAmount(text, decimals)).toBe(expected);
  });

  it('accepts a number by its decimal text', () => {
    expect(parseUsdAmount(0.01, 6)).toBe(10_000n);
  });

  it.each(['', 'abc', '-1', '1e-3', '0.01 USD', '$', '1,5', '.5'])('rejects %j', (text) => {
    expect(() => parseUsdAmount(text, 6)).toThrow(PriceError);
  });

  it('rejects zero', () => {
    expect(() => parseUsdAmount('0.00', 6)).toThrow(/more than zero/);
  });

  it('rejects amounts finer than the smallest unit instead of rounding', () => {
    expect(() => parseUsdAmount('0.0000001', 6)).toThrow(/smallest unit/);
  });
});

describe('formatAtomic', () => {
  it.each([
    [10_000n, 6, '0.01'],
    [1_000_000n, 6, '1'],
    [1n, 6, '0.000001'],
    [1_500_000n, 6, '1.5'],
  ])('%s with %i decimals is %s', (amount, decimals, text) => {
    expect(formatAtomic(amount, decimals)).toBe(text);
  });
});

describe('quotePrice', () => {
  it('quotes a USD price on every accepted network', () => {
    const quotes = quotePrice('$0.25', accepted);
    expect(quotes.map((q) => [q.network, q.amount])).toEqual([
      ['eip155:8453', 250_000n],
      ['eip155:84532', 250_000n],
    ]);
  });

  it('converts per network decimals', () => {
    const mixed: AcceptedNetwork[] = [accepted[0], { network: 'eip155:1', asset: usdc('0x6B175474E89094C44Da98b954EedeAC495271d0F', 18) }];
    expect(quotePrice('0.01', mixed).map((q) => q.amount)).toEqual([10_000n, 10_000_000_000_000_000n]);
  });

  it('limits an atomic price to the networks of its asset, case-insensitively', () => {
    const quotes = quotePrice({ amount: '5000', asset: accepted[1].asset.address.toLowerCase() }, accepted);
    expect(quotes).toEqual([{ network: 'eip155:84532', asset: accepted[1].asset, amount: 5000n }]);
  });

  it('accepts bigint atomic amounts', () => {
    expect(quotePrice({ amount: 7n, asset: accepted[0].asset.address }, accepted)[0].amount).toBe(7n);
  });

  it('rejects an asset no network accepts', () => {
    expect(() => quotePrice({ amount: '1', asset: '0x0000000000000000000000000000000000000001' }, accepted)).toThrow(/not an accepted asset/);
  });

  it('rejects an asset pinned to the wrong network', () => {
    expect(() => quotePrice({ amount: '1', asset: accepted[0].asset.address, network: 'eip155:84532' }, accepted)).toThrow(/on eip155:84532/);
  });

  it.each([['1.5'], ['-1'], ['0'], [''], [1 as unknown as string]])('rejects atomic amount %j', (amount) => {
    expect(() => quotePrice({ amount, asset: accepted[0].asset.address }, accepted)).toThrow(PriceError);
  });
});
