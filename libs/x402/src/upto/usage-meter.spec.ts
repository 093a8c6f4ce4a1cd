import { UsageMeter } from './usage-meter.js';

describe('UsageMeter', () => {
  it('adds USD and atomic charges, and settles them', () => {
    const meter = new UsageMeter(100_000n, 6);
    expect(meter.charge('0.01')).toBe(10_000n);
    expect(meter.charge('$0.02')).toBe(20_000n);
    expect(meter.chargeAtomic(5n)).toBe(5n);
    expect([meter.total, meter.remaining, meter.capped, meter.settlement]).toEqual([30_005n, 69_995n, false, 30_005n]);
  });

  it('settles the whole authorized amount when the handler reports nothing, and nothing after charge("0")', () => {
    expect(new UsageMeter(100_000n, 6).settlement).toBe(100_000n);
    const zero = new UsageMeter(100_000n, 6);
    expect(zero.charge('0')).toBe(0n);
    expect([zero.reported, zero.settlement]).toEqual([true, 0n]);
  });

  it('never settles more than authorized: the excess is capped and reported', () => {
    const meter = new UsageMeter(50_000n, 6);
    expect(meter.charge('0.04')).toBe(40_000n);
    expect(meter.charge('0.04')).toBe(10_000n);
    expect(meter.charge('0.04')).toBe(0n);
    expect([meter.requested, meter.total, meter.settlement, meter.capped, meter.remaining]).toEqual([120_000n, 50_000n, 50_000n, true, 0n]);
  });

  it('refuses charges that are not amounts, or finer than the token unit', () => {
    const meter = new UsageMeter(50_000n, 6);
    expect(() => meter.charge('abc')).toThrow(/usage charge "abc" is invalid/);
    expect(() => meter.charge('0.0000001')).toThrow(/smallest unit/);
    expect(() => meter.chargeAtomic(-1n)).toThrow(/negative/);
  });

  it('ignores charges when detached (a request without an upto payment)', () => {
    const meter = new UsageMeter(0n, 6, false);
    expect(meter.charge('0.01')).toBe(0n);
    expect(meter.reported).toBe(false);
  });
});
