import { parseAbi, parseAbiItem, parseEventLogs, type Hex, type TransactionReceipt } from 'viem';
import type { PaymentRecord, PaymentStore } from '../ledger/payment-store.interface.js';
import { RpcClients } from './rpc-clients.js';

const AUTHORIZATION_USED = parseAbiItem('event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)');
const TRANSFER_ABI = parseAbi(['event Transfer(address indexed from, address indexed to, uint256 value)']);
const CHUNK_BLOCKS = 5_000n;

/** Options of {@link reconcileLedger}. */
export interface ReconcileOptions {
  /** The ledger to compare. */
  store: PaymentStore;
  /** JSON-RPC URL per CAIP-2 network; networks of the ledger without one are reported as `unreadable`. */
  rpcUrls: Record<string, string>;
  /** First block scanned for authorizations used (default: the latest block less 10 000). */
  fromBlock?: bigint;
  /** Last block scanned (default: the latest). */
  toBlock?: bigint;
}

/** One disagreement between the ledger and the chain. */
export type ReconciliationMismatch =
  /** A settled row whose transaction does not move its amount from the payer to payTo (or has no transaction). */
  | { kind: 'settled_without_transfer'; receipt: string; network: string; transaction?: string }
  /** A transfer with authorization to a payTo of the ledger, on chain, without a settled row (`receipt` when a row of another state holds it). */
  | { kind: 'transfer_without_settled_row'; network: string; transaction: string; payer: string; nonce: string; amount: string; receipt?: string; state?: string };

/** A payment of the ledger whose outcome is open or failed, as listed by the report. */
export interface ReconciliationEntry {
  receipt: string;
  network: string;
  payer: string;
  amount: string;
  state: string;
  reason?: string;
}

/** What {@link reconcileLedger} found: `ok` when every settled row has its Transfer and every transfer its settled row. */
export interface ReconciliationReport {
  ok: boolean;
  /** The block range scanned, per network. */
  scanned: { network: string; fromBlock: string; toBlock: string; authorizations: number }[];
  /** Networks of the ledger without an RPC URL (nothing of them was checked). */
  unreadable: string[];
  rows: number;
  settled: number;
  mismatches: ReconciliationMismatch[];
  /** Rows whose outcome is open (`verified`, `queued`, `settling`). */
  pending: ReconciliationEntry[];
  failed: ReconciliationEntry[];
}

/**
 * Compares the payment ledger with the chain: every settled row must have, in its transaction, the Transfer of
 * its amount from the payer to payTo; every transfer with authorization (`AuthorizationUsed` with a Transfer from
 * the authorizer to a payTo of the ledger) in the scanned blocks must have a settled row. Rows still open or
 * failed are listed. Read-only.
 *
 * @example
 * const report = await reconcileLedger({ store, rpcUrls: { 'eip155:8453': process.env.RPC_URL! } });
 * if (!report.ok) console.error(report.mismatches);
 */
export async function reconcileLedger(options: ReconcileOptions): Promise<ReconciliationReport> {
  const rows = await allRows(options.store);
  const rpc = new RpcClients(options.rpcUrls);
  const report: ReconciliationReport = { ok: true, scanned: [], unreadable: [], rows: rows.length, settled: 0, mismatches: [], pending: [], failed: [] };
  const entry = (r: PaymentRecord): ReconciliationEntry => ({ receipt: r.id, network: r.network, payer: r.payer, amount: r.amount, state: r.state, ...(r.errorReason ? { reason: r.errorReason } : {}) });
  for (const r of rows) {
    if (r.state === 'failed') report.failed.push(entry(r));
    else if (r.state !== 'settled') report.pending.push(entry(r));
  }
  for (const network of [...new Set(rows.map((r) => r.network))].sort()) {
    if (!rpc.covers(network)) {
      report.unreadable.push(network);
      continue;
    }
    const client = rpc.get(network);
    const receipts = new Map<string, Promise<TransactionReceipt | undefined>>();
    const receiptOf = (hash: string) => {
      if (!receipts.has(hash)) receipts.set(hash, client.getTransactionReceipt({ hash: hash as Hex }).catch(() => undefined));
      return receipts.get(hash)!;
    };
    const transfersIn = async (hash: string, asset: string) => {
      const receipt = await receiptOf(hash);
      if (!receipt || receipt.status !== 'success') return [];
      return parseEventLogs({ abi: TRANSFER_ABI, eventName: 'Transfer', logs: receipt.logs.filter((l) => same(l.address, asset)) });
    };
    const mine = rows.filter((r) => r.network === network);
    for (const r of mine.filter((row) => row.state === 'settled')) {
      report.settled++;
      const moved = r.transaction ? await transfersIn(r.transaction, r.asset) : [];
      const amount = BigInt(r.settledAmount ?? r.amount);
      if (!moved.some((t) => same(t.args.from, r.payer) && same(t.args.to, r.payTo) && t.args.value === amount)) {
        report.mismatches.push({ kind: 'settled_without_transfer', receipt: r.id, network, ...(r.transaction ? { transaction: r.transaction } : {}) });
      }
    }
    const byKey = new Map(mine.map((r) => [`${r.payer.toLowerCase()}:${r.nonce.toLowerCase()}`, r]));
    const payTos = new Set(mine.map((r) => r.payTo.toLowerCase()));
    const latest = await client.getBlockNumber();
    const to = options.toBlock ?? latest;
    const from = options.fromBlock ?? (to > 10_000n ? to - 10_000n : 0n);
    let authorizations = 0;
    for (const asset of [...new Set(mine.map((r) => r.asset.toLowerCase()))]) {
      for (let start = from; start <= to; start += CHUNK_BLOCKS) {
        const end = start + CHUNK_BLOCKS - 1n < to ? start + CHUNK_BLOCKS - 1n : to;
        const logs = await client.getLogs({ address: asset as Hex, event: AUTHORIZATION_USED, fromBlock: start, toBlock: end });
        authorizations += logs.length;
        for (const log of logs) {
          const payer = log.args.authorizer!;
          const paid = (await transfersIn(log.transactionHash!, asset)).find((t) => same(t.args.from, payer) && payTos.has(t.args.to.toLowerCase()));
          if (!paid) continue; // not a payment to us
          const row = byKey.get(`${payer.toLowerCase()}:${log.args.nonce!.toLowerCase()}`);
          if (row?.state === 'settled') continue;
          report.mismatches.push({
            kind: 'transfer_without_settled_row',
            network,
            transaction: log.transactionHash!,
            payer,
            nonce: log.args.nonce!,
            amount: paid.args.value.toString(),
            ...(row ? { receipt: row.id, state: row.state } : {}),
          });
        }
      }
    }
    report.scanned.push({ network, fromBlock: from.toString(), toBlock: to.toString(), authorizations });
  }
  report.ok = report.mismatches.length === 0;
  return report;
}

async function allRows(store: PaymentStore): Promise<PaymentRecord[]> {
  const rows: PaymentRecord[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await store.findReceipts({ limit: 1000, offset });
    rows.push(...page);
    if (page.length < 1000) return rows;
  }
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
