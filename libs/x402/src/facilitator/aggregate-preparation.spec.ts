import { decodeFunctionData, encodeFunctionResult, type Hex, type TransactionSerializable } from 'viem';
import { prepareAggregate, type AggregateChain } from './aggregate-preparation.js';
import { MULTICALL3, MULTICALL3_ABI } from './multicall-batch.js';

const call = (n: number) => ({ target: `0x${n.toString(16).padStart(40, '0')}` as Hex, allowFailure: true as const, callData: `0x0${n}` as Hex });

/** A chain whose check call answers `succeeds` per call, and that records the order of what it was asked. */
function fakeChain(succeeds: boolean[]) {
  const log: string[] = [];
  let estimating = false;
  const targets = (t: TransactionSerializable) =>
    t.to === MULTICALL3 ? (decodeFunctionData({ abi: MULTICALL3_ABI, data: t.data! }).args[0] as readonly { target: Hex; allowFailure: boolean }[]).map((c) => c.target) : [t.to!];
  const chain: AggregateChain = {
    fees: async () => ({ chainId: 31337, to: MULTICALL3, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, type: 'eip1559' }) as TransactionSerializable,
    call: async () => {
      log.push('check');
      await new Promise((resolve) => setImmediate(resolve));
      log.push(estimating ? 'check done, estimate already asked' : 'check done');
      return { data: encodeFunctionResult({ abi: MULTICALL3_ABI, functionName: 'aggregate3', result: succeeds.map((success) => ({ success, returnData: '0x' as Hex })) }) };
    },
    estimateGas: async (t) => {
      estimating = true;
      const asked = targets(t);
      log.push(`estimate ${asked.length}`);
      if (asked.length !== succeeds.filter(Boolean).length) throw new Error('execution reverted'); // a required call fails
      return 100_000n;
    },
  };
  return { chain, log, targets };
}

describe('prepareAggregate', () => {
  it('every call succeeds: the gas is estimated beside the check, not after it (one round trip less)', async () => {
    const { chain, log, targets } = fakeChain([true, true, true]);
    const prepared = await prepareAggregate(chain, [call(1), call(2), call(3)]);
    expect(prepared.ok).toEqual([true, true, true]);
    expect(prepared.transaction?.gas).toBe(125_000n);
    expect(targets(prepared.transaction!)).toHaveLength(3);
    // before: check, check done, then the estimate
    expect(log).toEqual(['check', 'estimate 3', 'check done, estimate already asked']);
  });

  it('a call fails the check: estimated again with the calls kept, and only those are sent', async () => {
    const { chain, log, targets } = fakeChain([true, false, true]);
    const prepared = await prepareAggregate(chain, [call(1), call(2), call(3)]);
    expect(prepared.ok).toEqual([true, false, true]);
    expect(targets(prepared.transaction!)).toEqual([call(1).target, call(3).target]);
    expect(log.filter((line) => line.startsWith('estimate'))).toEqual(['estimate 3', 'estimate 2']);
  });

  it('no call succeeds: nothing to send', async () => {
    const { chain } = fakeChain([false, false]);
    expect(await prepareAggregate(chain, [call(1), call(2)])).toEqual({ ok: [false, false] });
  });

  it('a lone call goes straight to its token, checked inside aggregate3 and estimated and sent without it (about 6k gas less)', async () => {
    const { chain, log } = fakeChain([true]);
    const prepared = await prepareAggregate(chain, [call(1)]);
    expect(prepared.transaction).toMatchObject({ to: call(1).target, data: call(1).callData, gas: 125_000n });
    expect(log).toEqual(['check', 'estimate 1', 'check done, estimate already asked']);
  });

  it('one call of two kept: that one is sent alone, straight to its token', async () => {
    const { chain, log } = fakeChain([false, true]);
    const prepared = await prepareAggregate(chain, [call(1), call(2)]);
    expect(prepared.ok).toEqual([false, true]);
    expect(prepared.transaction).toMatchObject({ to: call(2).target, data: call(2).callData });
    expect(log.filter((line) => line.startsWith('estimate'))).toEqual(['estimate 2', 'estimate 1']);
  });
});
