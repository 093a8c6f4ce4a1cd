import type { ReconciliationReport } from '@nestjs-x402/core';
import type { ReconcileArgs } from './args.js';
import { CliError, ExitCode, UsageError, redactSecrets } from './errors.js';
import type { CliIo } from './io.js';

/** Loads TypeORM and the ledger store: optional peers of the package, installed by apps that use the ledger. */
async function loadLedger() {
  try {
    await import('reflect-metadata');
    const { DataSource } = await import('typeorm');
    const { TypeOrmPaymentStore } = await import('@nestjs-x402/core/typeorm');
    return { DataSource, TypeOrmPaymentStore };
  } catch (error) {
    const missing = /Cannot find (?:module|package) '([^']+)'/.exec((error as Error).message)?.[1];
    if (!missing) throw error;
    throw new UsageError(`the ledger needs ${missing}: npm install typeorm pg (and @nestjs/typeorm for the module)`);
  }
}

/** The CAIP-2 network of a JSON-RPC endpoint (`eip155:<chain id>`). */
async function networkOf(rpc: URL): Promise<string> {
  try {
    const res = await fetch(rpc, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) });
    const { result } = (await res.json()) as { result?: string };
    if (typeof result !== 'string' || !/^0x[0-9a-f]+$/i.test(result)) throw new Error(`no chain id in the answer (HTTP ${res.status})`);
    return `eip155:${BigInt(result).toString()}`;
  } catch (error) {
    throw new CliError(`cannot read the chain at --rpc: ${redactSecrets((error as Error).message)}`, ExitCode.Network, 'rpc_unreachable');
  }
}

/**
 * `x402 reconcile`: compares the payment ledger with the chain (see `reconcileLedger`) and prints the report,
 * as text or as one JSON object with `--json`. Exits 0 when they agree, 5 on a mismatch.
 */
export async function runReconcile(args: ReconcileArgs, io: CliIo): Promise<number> {
  const url = args.databaseUrl ?? io.env.DATABASE_URL;
  if (!url) throw new UsageError('missing database: pass --database-url or set DATABASE_URL');
  const rpcText = args.rpc?.toString() ?? io.env.X402_RPC_URL;
  if (!rpcText || !/^https?:\/\//.test(rpcText)) throw new UsageError('missing chain: pass --rpc <http(s) url> or set X402_RPC_URL');
  const rpc = new URL(rpcText);
  const network = await networkOf(rpc);
  const { DataSource, TypeOrmPaymentStore } = await loadLedger();
  const dataSource = new DataSource({ type: 'postgres', url });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new CliError(`cannot connect to the database: ${redactSecrets((error as Error).message)}`, ExitCode.Network, 'database_unreachable');
  }
  try {
    const { reconcileLedger } = await import('@nestjs-x402/core');
    const report = await reconcileLedger({ store: new TypeOrmPaymentStore(dataSource), rpcUrls: { [network]: rpc.toString() }, fromBlock: args.fromBlock, toBlock: args.toBlock });
    io.stdout(args.json ? JSON.stringify(report, null, 2) : describe(report));
    return report.ok ? ExitCode.Ok : ExitCode.Mismatch;
  } finally {
    await dataSource.destroy();
  }
}

/** The report for a person: the verdict first, then what disagrees, then what is open or failed. */
export function describe(report: ReconciliationReport): string {
  const lines = [`x402 ledger vs chain: ${report.ok ? 'OK' : `MISMATCH (${report.mismatches.length})`}`];
  for (const s of report.scanned) lines.push(`  ${s.network}: blocks ${s.fromBlock}..${s.toBlock}, ${s.authorizations} authorization(s) used`);
  for (const network of report.unreadable) lines.push(`  ${network}: not checked (no RPC URL for it)`);
  lines.push(`  ${report.rows} payment(s): ${report.settled} settled, ${report.pending.length} pending, ${report.failed.length} failed`);
  if (report.mismatches.length) lines.push('mismatches:');
  for (const m of report.mismatches) {
    lines.push(
      m.kind === 'settled_without_transfer'
        ? `  settled without its Transfer: receipt ${m.receipt} (${m.network}) transaction ${m.transaction ?? '(none)'}`
        : `  Transfer without a settled row: ${m.transaction} payer ${m.payer} nonce ${m.nonce} amount ${m.amount}${m.receipt ? ` (receipt ${m.receipt} is ${m.state})` : ' (no receipt)'}`,
    );
  }
  if (report.pending.length) lines.push('pending:');
  for (const p of report.pending) lines.push(`  ${p.receipt} ${p.state} payer ${p.payer} amount ${p.amount}${p.reason ? ` (${p.reason})` : ''}`);
  if (report.failed.length) lines.push('failed:');
  for (const f of report.failed) lines.push(`  ${f.receipt} payer ${f.payer} amount ${f.amount}: ${f.reason ?? 'no reason'}`);
  return lines.join('\n');
}
