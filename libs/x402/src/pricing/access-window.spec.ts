import { parseAccessWindow } from './access-window.js';

describe('parseAccessWindow', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    [' 2h ', 7_200_000],
    [45, 45_000],
  ])('%j is %i ms', (value, ms) => {
    expect(parseAccessWindow(value)).toBe(ms);
  });

  it.each(['', '1', 'h', '0h', '-1h', '1.5h', '1w', 'forever', 0, -5, 1.5])('rejects %j', (value) => {
    expect(() => parseAccessWindow(value as string | number)).toThrow(/access window/);
  });
});
