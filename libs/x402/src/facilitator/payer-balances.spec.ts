import { PayerBalances } from './payer-balances.js';

const asset = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const payer = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
const later = () => Math.floor(Date.now() / 1000) + 300;

describe('PayerBalances', () => {
  it('covers payments up to the balance read, and reads it once per TTL', async () => {
    const reads: string[] = [];
    const balances = new PayerBalances(async (_asset, who) => (reads.push(who), 20_000n), 60_000);
    expect(await balances.reserve(asset, payer, '0x01', 10_000n, later())).toBe(true);
    expect(await balances.reserve(asset, payer, '0x02', 10_000n, later())).toBe(true);
    expect(await balances.reserve(asset, payer, '0x03', 10_000n, later())).toBe(false); // 20000 reserved
    expect(reads).toHaveLength(1);
  });

  it('shares one read among concurrent payments of a payer, and one started ahead (prefetch)', async () => {
    const reads: string[] = [];
    const balances = new PayerBalances(async (_asset, who) => (reads.push(who), await new Promise((r) => setTimeout(r, 5)), 100_000n), 60_000);
    const all = await Promise.all(['0x01', '0x02', '0x03'].map((nonce) => balances.reserve(asset, payer, nonce, 10_000n, later())));
    expect(all).toEqual([true, true, true]);
    expect(reads).toHaveLength(1); // before: one read each
    const other = '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65';
    balances.prefetch(asset, other);
    balances.prefetch(asset, other);
    expect(await balances.reserve(asset, other, '0x04', 10_000n, later())).toBe(true);
    expect(reads).toEqual([payer, other]);
    balances.prefetch(asset, other); // known: nothing read
    expect(reads).toHaveLength(2);
  });

  it('never covers the same payment twice', async () => {
    const balances = new PayerBalances(async () => 1_000_000n);
    expect(await balances.reserve(asset, payer, '0xAB', 10_000n, later())).toBe(true);
    expect(await balances.reserve(asset, payer, '0xab', 10_000n, later())).toBe(false);
  });

  it('takes a settled payment off the balance, and frees a failed one', async () => {
    const balances = new PayerBalances(async () => 20_000n, 60_000);
    await balances.reserve(asset, payer, '0x01', 10_000n, later());
    await balances.reserve(asset, payer, '0x02', 10_000n, later());
    balances.settled(asset, payer, '0x01', true); // 10000 left, 10000 reserved
    expect(await balances.reserve(asset, payer, '0x03', 10_000n, later())).toBe(false);
    balances.settled(asset.toLowerCase(), payer.toLowerCase(), '0x02', false); // 10000 left, nothing reserved
    expect(await balances.reserve(asset, payer, '0x03', 10_000n, later())).toBe(true);
  });

  it('keeps unsettled reservations across a new read, and drops those that can no longer land', async () => {
    let balance = 20_000n;
    const balances = new PayerBalances(async () => balance, 0); // every call reads again
    await balances.reserve(asset, payer, '0x01', 10_000n, later());
    balance = 15_000n; // spent elsewhere
    expect(await balances.reserve(asset, payer, '0x02', 10_000n, later())).toBe(false); // 10000 still reserved
    const expired = new PayerBalances(async () => 10_000n, 60_000);
    await expired.reserve(asset, payer, '0x01', 10_000n, Math.floor(Date.now() / 1000) - 1);
    expect(await expired.reserve(asset, payer, '0x02', 10_000n, later())).toBe(true);
  });

  it('fails when the balance cannot be read (the caller then checks the chain its own way)', async () => {
    const balances = new PayerBalances(async () => {
      throw new Error('rpc down');
    });
    await expect(balances.reserve(asset, payer, '0x01', 1n, later())).rejects.toThrow('rpc down');
  });

  it('remembers a prefetch that ended before the payment was reserved: not read twice', async () => {
    let reads = 0;
    const balances = new PayerBalances(async () => (reads++, 20_000n));
    balances.prefetch(asset, payer);
    await new Promise((resolve) => setImmediate(resolve)); // the read ends before anything is reserved
    expect(await balances.reserve(asset, payer, '0x01', 10_000n, later())).toBe(true);
    expect(reads).toBe(1); // before: read again by the reservation
  });
});

