import type { ReconciliationReport } from '@nestjs-x402/core';
import { run } from './processes.js';

/**
 * Runs `x402 reconcile --json` (the built command, as an operator would) against a ledger and a chain, and
 * returns its exit code, its report and its whole output.
 */
export async function reconcileCommand(databaseUrl: string, rpcUrl: string, ...extra: string[]): Promise<{ code: number | null; report?: ReconciliationReport; output: string }> {
  const res = await run(process.execPath, ['libs/x402/bin/x402.mjs', 'reconcile', '--database-url', databaseUrl, '--rpc', rpcUrl, ...extra]);
  const json = res.output.slice(res.output.indexOf('{'), res.output.lastIndexOf('}') + 1);
  let report: ReconciliationReport | undefined;
  try {
    report = JSON.parse(json) as ReconciliationReport; // with --json
  } catch {
    report = undefined; // the text report
  }
  return { code: res.code, report, output: res.output };
}
