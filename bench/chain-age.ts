/**
 * `node dist/bench/chain-age.js`: how anvil's automine slows down as its chain grows, the reason each of our
 * servers gets a devnet of its own in `npm run bench`. One sender sends plain transfers one at a time and
 * measures, per transfer, the send (`eth_sendRawTransaction`) and the wait until its receipt is there
 * (polled at once, again and again), on a new chain and then after every CHAIN_AGE_STEP more transfers
 * (default 3,000, CHAIN_AGE_STEPS times, default 2). Prints the medians; nothing is asserted.
 */
import { startDevnet } from '@nestjs-x402/testing';
import type { Hex } from 'viem';

const env = process.env;
const STEP = Number(env.CHAIN_AGE_STEP ?? 3000);
const STEPS = Number(env.CHAIN_AGE_STEPS ?? 2);
const SAMPLES = 200;

const devnet = await startDevnet();
const account = devnet.accounts.buyer.account;
const rpc = <T>(method: string, params: unknown[]) => devnet.publicClient.request({ method, params } as never) as Promise<T>;
let nonce = await devnet.publicClient.getTransactionCount({ address: account.address });

async function send(): Promise<Hex> {
  const tx = await account.signTransaction({
    chainId: devnet.chainId,
    type: 'eip1559',
    to: devnet.accounts.payTo.address,
    value: 1n,
    nonce: nonce++,
    gas: 21_000n,
    maxFeePerGas: 10_000_000_000n,
    maxPriorityFeePerGas: 1n,
  });
  return rpc<Hex>('eth_sendRawTransaction', [tx]);
}

async function measure(label: string): Promise<void> {
  const sends: number[] = [];
  const receipts: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    const hash = await send();
    const t1 = performance.now();
    while (!(await rpc<unknown>('eth_getTransactionReceipt', [hash])));
    sends.push(t1 - t0);
    receipts.push(performance.now() - t1);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1].toFixed(2);
  console.log(`${label.padEnd(28)} send ${median(sends)} ms, receipt after ${median(receipts)} ms (medians of ${SAMPLES})`);
}

try {
  await measure('new chain');
  for (let step = 1; step <= STEPS; step++) {
    for (let i = 0; i < STEP; i++) await send();
    await measure(`after ${step * STEP} transfers`);
  }
} finally {
  await devnet.stop();
}
