import type { Devnet } from '@nestjs-x402/testing';
import type { SignedPayment } from './payments.js';

/** What the chain says about the payments of one server's runs. */
export interface ChainCheck {
  /** 200 responses. */
  served: number;
  /** 200s whose authorization was used exactly once on chain. */
  servedChargedOnce: number;
  /** 200s whose authorization was never used: served unpaid. */
  servedUncharged: number;
  /** Authorizations used more than once (EIP-3009 forbids it; counted anyway). */
  chargedTwice: number;
  /** Refused (non-200) requests whose authorization was used all the same: charged, not served. */
  refusedCharged: number;
  /** Payments sent when the load generator stopped, whose answer it did not wait for; and of those, the charged ones. */
  unanswered: number;
  unansweredCharged: number;
  /** USDC Transfer events to payTo in the block range, against AuthorizationUsed events of the sent payments. */
  transfersToPayTo: number;
  authorizationsUsed: number;
  /** AuthorizationUsed events in the block range, of any server of the run (the references run throughout): as many as the Transfers. */
  authorizationsUsedInRange: number;
  /** AuthorizationUsed events in the range for payments this run did not send (should be none). */
  foreign: string[];
  /** Seconds spent waiting for background (deferred) settlements to land. */
  waitedS: number;
  /** Transactions that used the sent authorizations, and their gas per authorization used. */
  transactions: number;
  gasPerPayment: number;
  /** The same, for the payments of the runs with more than one client (batches can form there). */
  concurrent: { payments: number; transactions: number; gasPerPayment: number };
  ok: boolean;
}

const key = (payer: string, nonce: string) => `${payer.toLowerCase()}:${nonce.toLowerCase()}`;

async function usedAuthorizations(devnet: Devnet, fromBlock: bigint, hashes?: Map<string, `0x${string}`>): Promise<Map<string, number>> {
  const logs = await devnet.publicClient.getContractEvents({ address: devnet.usdc.address, abi: devnet.usdc.abi, eventName: 'AuthorizationUsed', fromBlock });
  const used = new Map<string, number>();
  for (const log of logs) {
    const { authorizer, nonce } = log.args as { authorizer: string; nonce: string };
    used.set(key(authorizer, nonce), (used.get(key(authorizer, nonce)) ?? 0) + 1);
    hashes?.set(key(authorizer, nonce), log.transactionHash!);
  }
  return used;
}

/**
 * Gas of the transactions that used the given authorizations: how many, and gas per authorization, each
 * transaction's gas shared evenly by the authorizations it used (`perTransaction`: all of this server's).
 */
async function gasOf(
  devnet: Devnet,
  hashes: `0x${string}`[],
  perTransaction: Map<string, number>,
  gasUsed: Map<string, bigint>,
): Promise<{ transactions: number; gasPerPayment: number }> {
  const unique = [...new Set(hashes)];
  for (const hash of unique) if (!gasUsed.has(hash)) gasUsed.set(hash, (await devnet.publicClient.getTransactionReceipt({ hash })).gasUsed);
  const gas = hashes.reduce((sum, hash) => sum + Number(gasUsed.get(hash)!) / perTransaction.get(hash)!, 0);
  return { transactions: unique.length, gasPerPayment: hashes.length ? Math.round(gas / hashes.length) : 0 };
}

/**
 * Checks every sent payment against the chain from `fromBlock` on: each 200 must have used its
 * authorization exactly once. With `waitForServed`, first waits (up to `maxWaitMs`, or until nothing
 * moved for 20 s) until every served payment landed: deferred settlements happen after the response.
 * `allSent`: payments other servers of the run were sent (not foreign to this one's block range).
 */
export async function checkChain(
  devnet: Devnet,
  fromBlock: bigint,
  outcomes: { payment: SignedPayment; status: number; clients?: number }[],
  options: { waitForServed?: boolean; maxWaitMs?: number; strict?: boolean; allSent?: Set<string> } = {},
): Promise<ChainCheck> {
  const started = Date.now();
  const servedKeys = outcomes.filter((o) => o.status === 200).map((o) => key(o.payment.payer, o.payment.nonce));
  let used = await usedAuthorizations(devnet, fromBlock);
  if (options.waitForServed) {
    let landed = servedKeys.filter((k) => used.has(k)).length;
    let progressAt = Date.now();
    while (landed < servedKeys.length && Date.now() - started < (options.maxWaitMs ?? 180_000) && Date.now() - progressAt < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      used = await usedAuthorizations(devnet, fromBlock);
      const now = servedKeys.filter((k) => used.has(k)).length;
      if (now > landed) progressAt = Date.now();
      landed = now;
    }
  }
  const transfers = await devnet.publicClient.getContractEvents({
    address: devnet.usdc.address,
    abi: devnet.usdc.abi,
    eventName: 'Transfer',
    args: { to: devnet.accounts.payTo.address },
    fromBlock,
  });
  const sent = new Set(outcomes.map((o) => key(o.payment.payer, o.payment.nonce)));
  const hashes = new Map<string, `0x${string}`>();
  used = await usedAuthorizations(devnet, fromBlock, hashes);
  const ours = [...hashes.entries()].filter(([k]) => sent.has(k)).map(([, hash]) => hash);
  const perTransaction = new Map<string, number>();
  for (const hash of ours) perTransaction.set(hash, (perTransaction.get(hash) ?? 0) + 1);
  const gasUsed = new Map<string, bigint>();
  const concurrentSent = new Set(outcomes.filter((o) => (o.clients ?? 1) > 1).map((o) => key(o.payment.payer, o.payment.nonce)));
  const concurrent = [...hashes.entries()].filter(([k]) => concurrentSent.has(k)).map(([, hash]) => hash);
  const check: ChainCheck = {
    served: servedKeys.length,
    servedChargedOnce: servedKeys.filter((k) => used.get(k) === 1).length,
    servedUncharged: servedKeys.filter((k) => !used.has(k)).length,
    chargedTwice: [...used.values()].filter((n) => n > 1).length,
    refusedCharged: outcomes.filter((o) => o.status !== 200 && o.status !== 0 && used.has(key(o.payment.payer, o.payment.nonce))).length,
    unanswered: outcomes.filter((o) => o.status === 0).length,
    unansweredCharged: outcomes.filter((o) => o.status === 0 && used.has(key(o.payment.payer, o.payment.nonce))).length,
    transfersToPayTo: transfers.length,
    authorizationsUsed: [...used.keys()].filter((k) => sent.has(k)).length,
    authorizationsUsedInRange: [...used.values()].reduce((a, b) => a + b, 0),
    foreign: [...used.keys()].filter((k) => !sent.has(k) && !options.allSent?.has(k)),
    waitedS: Math.round((Date.now() - started) / 100) / 10,
    ...(await gasOf(devnet, ours, perTransaction, gasUsed)),
    concurrent: { payments: concurrent.length, ...(await gasOf(devnet, concurrent, perTransaction, gasUsed)) },
    ok: false,
  };
  check.ok =
    check.servedUncharged === 0 &&
    check.chargedTwice === 0 &&
    check.foreign.length === 0 &&
    check.transfersToPayTo === check.authorizationsUsedInRange &&
    (!options.strict || check.refusedCharged === 0);
  return check;
}
