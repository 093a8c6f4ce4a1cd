import { decodeFunctionResult, encodeFunctionData, type Hex, type TransactionSerializable } from 'viem';
import { MULTICALL3, MULTICALL3_ABI, type transferCall } from './multicall-batch.js';

type Call = ReturnType<typeof transferCall>;

/** Gas a call may use in the check before a batch is sent (a transfer with authorization takes ~60-80k; an ERC-1271 wallet more). */
const CHECK_GAS_PER_CALL = 300_000n;

/** What preparing a batch needs from the signer's chain client. */
export interface AggregateChain {
  /** Fees and transaction type for a transaction to `to` (no gas estimate). */
  fees(to: Hex, data: Hex): Promise<TransactionSerializable>;
  /** Runs a transaction as a call at its fees; the returned data. */
  call(transaction: TransactionSerializable): Promise<{ data?: Hex }>;
  /** Estimates the gas of a transaction at its fees (rejects if it would revert). */
  estimateGas(transaction: TransactionSerializable): Promise<bigint>;
}

function aggregate(calls: Call[], allowFailure: boolean): Hex {
  return encodeFunctionData({ abi: MULTICALL3_ABI, functionName: 'aggregate3', args: [calls.map((c) => ({ ...c, allowFailure }))] });
}

/**
 * The transaction data of the calls kept, as sent (`allowFailure`) or as estimated (every call required): a lone
 * call goes straight to its token, without Multicall3 around it (about 6k gas less, as the reference sends it; if
 * it fails on chain the transaction reverts and its receipt says so), several go in one `aggregate3`.
 */
function transactionOf(kept: Call[], allowFailure: boolean): { to: Hex; data: Hex } {
  return kept.length === 1 ? { to: kept[0].target, data: kept[0].callData } : { to: MULTICALL3, data: aggregate(kept, allowFailure) };
}

/**
 * Prepares the transaction of a batch of transfer calls as it will be sent: each call is first run at the fees
 * the transaction will pay, in one Multicall3 `aggregate3` whose calls may fail one by one (a real gas price;
 * checks and estimates at gas price 0 can pass where the chain reverts, and a failed call still costs our gas),
 * and the transaction keeps only the calls that succeeded. Its gas is estimated with those calls required to
 * succeed: an estimate of calls that may fail can be too low for them (each gets 63/64 of what is left), and they
 * would fail on chain for want of gas. `ok` says which calls were kept; `transaction` is undefined when none was.
 */
export async function prepareAggregate(chain: AggregateChain, calls: Call[]): Promise<{ transaction?: TransactionSerializable; ok: boolean[] }> {
  const base = await chain.fees(MULTICALL3, aggregate(calls, true));
  const checkGas = CHECK_GAS_PER_CALL * BigInt(calls.length) + 100_000n;
  const required = (kept: Call[]) => chain.estimateGas({ ...base, ...transactionOf(kept, false) } as TransactionSerializable);
  // The usual case, every call succeeding, estimated beside the check (one round trip less); used only if the check agrees.
  const [{ data }, estimateOfAll] = await Promise.all([chain.call({ ...base, gas: checkGas } as TransactionSerializable), required(calls).catch(() => undefined)]);
  const results = decodeFunctionResult({ abi: MULTICALL3_ABI, functionName: 'aggregate3', data: data ?? '0x' });
  const ok = calls.map((_, i) => results[i]?.success === true);
  const kept = calls.filter((_, i) => ok[i]);
  if (kept.length === 0) return { ok };
  const estimate = kept.length === calls.length && estimateOfAll !== undefined ? estimateOfAll : await required(kept);
  // with headroom: measured on anvil, a first transfer to an address used 8 gas less than the estimate of the
  // required calls, the transfer itself running out; unused gas is not paid
  const gas = estimate + estimate / 4n;
  return { transaction: { ...base, ...transactionOf(kept, true), gas } as TransactionSerializable, ok };
}
