import { jest } from '@jest/globals';
import type { PaymentPayload, PaymentRequirements, SettleResponse } from '@x402/core/types';
import { encodeEventTopics, parseAbi, type Hex, type Log } from 'viem';
import { NotRecordedError } from './recorded-gate.js';
import { SettlementBatcher, type SettlementBatcherOptions, type SettlementItem } from './settlement-batcher.js';

const NETWORK = 'eip155:31337';
const ASSET = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const USED = parseAbi(['event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)']);
const now = Math.floor(Date.now() / 1000);

function item(n: number, overrides: Record<string, string> = {}): SettlementItem {
  const requirements = { scheme: 'exact', network: NETWORK, amount: '10000', asset: ASSET, payTo: PAY_TO, maxTimeoutSeconds: 300, extra: {} } as PaymentRequirements;
  const authorization = {
    from: `0x${String(n).padStart(40, '0')}`,
    to: PAY_TO,
    value: '10000',
    validAfter: String(now - 600),
    validBefore: String(now + 300),
    nonce: `0x${String(n).padStart(64, '0')}`,
    ...overrides,
  };
  const payload = { x402Version: 2, accepted: requirements, payload: { signature: `0x${'11'.repeat(32)}${'22'.repeat(32)}1b`, authorization } } as unknown as PaymentPayload;
  return { payload, requirements };
}

function usedLog(i: SettlementItem): Log {
  const { from, nonce } = (i.payload.payload as { authorization: { from: Hex; nonce: Hex } }).authorization;
  return { address: ASSET, topics: encodeEventTopics({ abi: USED, eventName: 'AuthorizationUsed', args: { authorizer: from, nonce } }), data: '0x' } as unknown as Log;
}

function batcher(overrides: Partial<SettlementBatcherOptions> = {}) {
  const sent: number[] = [];
  let landed: (items: SettlementItem[]) => SettlementItem[] = (items) => items;
  let lastBatch: SettlementItem[] = [];
  let simulated: (callData: Hex) => boolean = () => true;
  const options: SettlementBatcherOptions = {
    network: NETWORK,
    maxBatch: 3,
    batchWaitMs: 0,
    prepare: async (calls) => {
      const ok = calls.map((c) => simulated(c.callData));
      const kept = ok.filter(Boolean).length;
      if (kept > 0) sent.push(kept);
      return { transaction: kept > 0 ? ({ to: '0x0', data: '0x' } as never) : undefined, ok };
    },
    send: async (prepared) => ((await prepared) ? '0xhash' : undefined),
    receipt: async () => ({ status: 'success', logs: landed(lastBatch).map(usedLog) }),
    alone: jest.fn(async (i: SettlementItem) => ({ success: true, transaction: '0xalone', network: NETWORK, payer: 'alone' }) as SettleResponse),
    diagnose: jest.fn(async () => ({ isValid: false, invalidReason: 'invalid_exact_evm_insufficient_balance' })),
    isolate: (call) => call(),
    ...overrides,
  };
  const b = new SettlementBatcher(options);
  return {
    b,
    options,
    sent,
    settle: (items: SettlementItem[]) => {
      lastBatch = [...lastBatch, ...items];
      return Promise.all(items.map((i) => b.settle(i)));
    },
    landOnly: (fn: typeof landed) => (landed = fn),
    simulateAs: (fn: typeof simulated) => (simulated = fn),
  };
}

describe('SettlementBatcher', () => {
  it('sends payments handed over together in one transaction, at most maxBatch each, and names it in every answer', async () => {
    const { settle, sent } = batcher();
    const results = await settle([1, 2, 3, 4].map((n) => item(n)));
    expect(sent).toEqual([3, 1]);
    expect(results.map((r) => [r.success, r.transaction])).toEqual(Array(4).fill([true, '0xhash']));
    expect(results[0].payer).toBe(`0x${'1'.padStart(40, '0')}`);
  });

  it('never puts the same authorization twice in one transaction', async () => {
    const { settle, sent } = batcher();
    await settle([item(1), item(1)]);
    expect(sent).toEqual([1, 1]);
  });

  it('refuses a payment the chain did not take with the reason of a full check, and never sends it again alone', async () => {
    const diagnose = jest.fn(async (i: SettlementItem) => (i.payload === second.payload ? { isValid: true } : { isValid: false, invalidReason: 'invalid_exact_evm_insufficient_balance' }));
    const first = item(1);
    const second = item(2);
    const { settle, landOnly, options, sent } = batcher({ diagnose });
    landOnly(() => []);
    const [refused, valid] = await settle([first, second]);
    expect(refused).toMatchObject({ success: false, errorReason: 'invalid_exact_evm_insufficient_balance', transaction: '' });
    // valid in a zero-gas-price check, refused on chain: the same call again would fail again, at our gas
    expect(valid).toMatchObject({ success: false, errorReason: 'transaction_failed', transaction: '' });
    expect(options.alone).not.toHaveBeenCalled();
    expect(sent).toEqual([2]);
  });

  it('leaves out of the transaction a payment whose call fails at the real gas price, sends the others, and settles it alone if a full check passes', async () => {
    const diagnose = jest.fn(async () => ({ isValid: true })); // the zero-gas-price check passes
    const bad = item(2);
    const { settle, simulateAs, options, sent } = batcher({ diagnose });
    const badCall = (bad.payload.payload as { authorization: { nonce: string } }).authorization.nonce.slice(2);
    simulateAs((callData) => !callData.includes(badCall));
    const [good, refused, other] = await settle([item(1), bad, item(3)]);
    expect(sent).toEqual([2]); // one transaction, without the bad payment
    expect(good).toMatchObject({ success: true, transaction: '0xhash' });
    expect(other).toMatchObject({ success: true, transaction: '0xhash' });
    // a full check passes: settled alone, whose own check at the real gas price decides whether anything is sent
    expect(refused).toMatchObject({ success: true, transaction: '0xalone' });
    expect(options.alone).toHaveBeenCalledTimes(1);
  });

  it('hands the batch to the signer while it is still being prepared (its turn and nonce are taken meanwhile)', async () => {
    const order: string[] = [];
    const { settle } = batcher({
      prepare: async (calls) => {
        order.push('prepare');
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push('prepared');
        return { transaction: { to: '0x0', data: '0x' } as never, ok: calls.map(() => true) };
      },
      send: async (prepared) => {
        order.push('send');
        return (await prepared) ? '0xhash' : undefined;
      },
    });
    expect((await settle([item(1)]))[0]).toMatchObject({ success: true, transaction: '0xhash' });
    // before: prepare, prepared, then send
    expect(order).toEqual(['prepare', 'send', 'prepared']);
  });

  it('takes the next batch once the one before is sent: payments arriving while it is sent go out together', async () => {
    let sending!: () => void;
    const { b, sent } = batcher({
      maxBatch: 10,
      send: async (prepared) => {
        const ready = await prepared;
        if (sent.length === 1) await new Promise<void>((resolve) => (sending = resolve)); // the first transaction is slow to send
        return ready ? '0xhash' : undefined;
      },
    });
    const first = b.settle(item(1));
    await new Promise((resolve) => setTimeout(resolve, 5)); // prepared, being sent
    const later: Promise<SettleResponse>[] = [];
    for (const n of [2, 3, 4]) {
      later.push(b.settle(item(n))); // one by one, while the first is being sent
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    sending();
    await Promise.all([first, ...later]);
    // before: each went out alone as it arrived (the first batch was prepared, so the next was taken at once)
    expect(sent).toEqual([1, 3]);
  });

  it('prepares a payment while its ledger write is under way and sends it only once that went through', async () => {
    const order: string[] = [];
    let record!: (held: boolean) => void;
    const gate = new Promise<boolean>((resolve) => (record = resolve));
    const { b } = batcher({
      prepare: async (calls) => (order.push('prepared'), { transaction: { to: '0x0', data: '0x' } as never, ok: calls.map(() => true) }),
      send: async (prepared) => ((await prepared) ? (order.push('sent'), '0xhash') : undefined),
      receipt: async () => ({ status: 'success', logs: [usedLog(item(1))] }),
    });
    const settled = b.settle(item(1), gate);
    await new Promise((resolve) => setTimeout(resolve, 5));
    order.push('recorded');
    record(true);
    expect(await settled).toMatchObject({ success: true, transaction: '0xhash' });
    // before: the ledger write came first, and the preparation after it
    expect(order).toEqual(['prepared', 'recorded', 'sent']);
  });

  it('sends nothing of a payment whose ledger write did not go through, and prepares the rest of its batch again without it', async () => {
    const { b, sent } = batcher({ receipt: async () => ({ status: 'success', logs: [usedLog(item(3))] }) });
    const closed = b.settle(item(1), Promise.resolve(false));
    const failed = b.settle(item(2), Promise.reject(new Error('database down')));
    const open = b.settle(item(3), Promise.resolve(true));
    await expect(closed).rejects.toThrow(NotRecordedError);
    await expect(failed).rejects.toThrow(NotRecordedError);
    expect(await open).toMatchObject({ success: true });
    expect(sent).toEqual([3, 1]); // prepared with the three, sent with the one whose write went through
    const { b: lone, sent: loneSent, options } = batcher();
    await expect(lone.settle(item(4, { value: '1' }), Promise.resolve(false))).rejects.toThrow(NotRecordedError); // not batchable: the alone path waits too
    expect(options.alone).not.toHaveBeenCalled();
    expect(loneSent).toEqual([]);
  });

  it('sends nothing when every call of a batch fails at the real gas price', async () => {
    const { settle, simulateAs, sent, options } = batcher();
    simulateAs(() => false);
    const results = await settle([item(1), item(2)]);
    expect(sent).toEqual([]);
    expect(results.map((r) => r.errorReason)).toEqual(['invalid_exact_evm_insufficient_balance', 'invalid_exact_evm_insufficient_balance']);
    expect(options.alone).not.toHaveBeenCalled();
  });

  it('settles alone what it cannot batch: wrong recipient or amount, expired, v1, not an ECDSA signature', async () => {
    const { settle, sent, options } = batcher();
    const v1 = item(5);
    (v1.payload as { x402Version: number }).x402Version = 1;
    const smartWallet = item(6);
    (smartWallet.payload.payload as { signature: string }).signature = `0x${'2'.repeat(200)}`;
    await settle([item(1, { to: ASSET }), item(2, { value: '1' }), item(3, { validBefore: String(now + 2) }), v1, smartWallet]);
    expect(sent).toEqual([]);
    expect(options.alone).toHaveBeenCalledTimes(5);
  });

  it('fails every payment of a batch that could not be sent (nothing moved), and goes on with the next', async () => {
    let fail = true;
    const { settle } = batcher({
      send: async (prepared) => {
        await prepared;
        if (fail) throw new Error('nonce too low');
        return '0xhash';
      },
    });
    await expect(settle([item(1), item(2)])).rejects.toThrow('nonce too low');
    fail = false;
    expect((await settle([item(3)]))[0]).toMatchObject({ success: true });
  });

  it('fails the payments of a sent batch whose receipt does not come (uncertain, as for one payment)', async () => {
    const { settle } = batcher({ receipt: async () => Promise.reject(new Error('timed out')) });
    await expect(settle([item(1)])).rejects.toThrow('timed out');
  });

  describe('with batchWaitMs', () => {
    /** A receipt that comes when `mine()` is called; `sentAt` records how many receipts had come at each send. */
    function slowChain(batchWaitMs: number) {
      let mined = 0;
      let mine: () => void = () => undefined;
      const sentAt: number[] = [];
      const t = batcher({
        batchWaitMs,
        send: async (prepared) => {
          if (!(await prepared)) return undefined;
          sentAt.push(mined);
          return '0xhash';
        },
        receipt: () =>
          new Promise((resolve) => {
            mine = () => {
              mined++;
              resolve({ status: 'success', logs: [1, 2, 3, 4].map((n) => usedLog(item(n))) });
            };
          }),
      });
      return { ...t, sentAt, mine: () => mine() };
    }
    /** A few turns of the event loop: what the batcher does without waiting for the chain is done by then. */
    const turns = async () => {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    };

    it('holds the next batch until the receipt of the one sent before it: what arrives meanwhile goes out together', async () => {
      const { b, sent, sentAt, mine } = slowChain(10_000);
      const first = b.settle(item(1));
      await turns(); // the first payment is sent, alone, without waiting
      expect(sent).toEqual([1]);
      const later = [2, 3, 4].map((n) => item(n));
      const rest: Promise<SettleResponse>[] = [];
      for (const i of later) {
        rest.push(b.settle(i)); // one by one, each in a turn of its own
        await turns();
      }
      expect(sent).toEqual([1]); // held while the first is unconfirmed
      mine();
      await first;
      await turns();
      expect(sent).toEqual([1, 3]);
      expect(sentAt).toEqual([0, 1]);
      mine();
      expect((await Promise.all(rest)).every((r) => r.success)).toBe(true);
    });

    it('sends the next batch after batchWaitMs when the receipt is late', async () => {
      const { b, sent, mine } = slowChain(30);
      void b.settle(item(1));
      await turns();
      const second = b.settle(item(2));
      await turns();
      expect(sent).toEqual([1]);
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(sent).toEqual([1, 1]);
      mine();
      expect((await second).success).toBe(true);
    });
  });
});
