import type { ChainCheck } from './chain-check.js';
import type { LoadResult } from './load.js';
import type { ProfileSummary } from './profile.js';

export type Scenario = 'plain' | 'challenge' | 'paid';

/** One measured run. */
export interface RunRecord {
  /** `reference` or `express` / `fastify` (our demo on that adapter). */
  server: 'reference' | 'express' | 'fastify';
  /** Settlement mode (the reference settles before it answers, like `authorization`). */
  mode: string;
  scenario: Scenario;
  result: LoadResult;
  /** This run's req/s over the reference's for the same scenario and clients. */
  ratio?: number;
  /** The same for served responses per second (for paid runs: payments taken and served). */
  servedRatio?: number;
}

/** One server process: what the chain said about its payments, and where its CPU went. */
export interface ServerRecord {
  name: string;
  server: RunRecord['server'];
  mode: string;
  chain?: ChainCheck;
  profile?: ProfileSummary;
}

export interface Target {
  name: string;
  goal: string;
  actual: string;
  met: boolean;
}

export interface BenchReport {
  startedAt: string;
  durationS: number;
  machine: { cpus: number; cpuModel: string; node: string; note: string; busyBeforePct?: number };
  ledger: string;
  buyers: number;
  runs: RunRecord[];
  servers: ServerRecord[];
  targets: Target[];
}

const round = (n: number, digits = 1) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);

/** Served responses per second of a run. */
export function servedPerSec(result: LoadResult): number {
  return result.durationS > 0 ? result.served / result.durationS : 0;
}

function find(runs: RunRecord[], server: RunRecord['server'], scenario: Scenario, connections?: number, mode?: string): RunRecord | undefined {
  return runs.find((r) => r.server === server && r.scenario === scenario && (connections === undefined || r.result.connections === connections) && (mode === undefined || r.mode === mode));
}

/** Fills each run's ratio to the reference's run of the same scenario and client count. */
export function addRatios(runs: RunRecord[]): void {
  for (const run of runs) {
    if (run.server === 'reference') continue;
    const reference = find(runs, 'reference', run.scenario, run.result.connections);
    if (reference && reference.result.reqPerSec > 0) run.ratio = round(run.result.reqPerSec / reference.result.reqPerSec, 2);
    if (reference && servedPerSec(reference.result) > 0) run.servedRatio = round(servedPerSec(run.result) / servedPerSec(reference.result), 2);
  }
}

/** The targets of issue #6, as ratios to the reference in the same run. */
export function evaluateTargets(runs: RunRecord[], servers: ServerRecord[], paidClients: number): Target[] {
  const targets: Target[] = [];
  const challengeGoal = { express: 1.2, fastify: 1.5 } as const;
  const referencePaid = find(runs, 'reference', 'paid', paidClients);
  for (const adapter of ['express', 'fastify'] as const) {
    const challenge = find(runs, adapter, 'challenge');
    if (challenge?.ratio !== undefined) {
      targets.push({ name: `402 challenge, ${adapter}`, goal: `>= ${challengeGoal[adapter]}x reference`, actual: `${challenge.ratio}x`, met: challenge.ratio >= challengeGoal[adapter] });
    }
    const paid = find(runs, adapter, 'paid', paidClients, 'authorization');
    if (paid?.ratio !== undefined) {
      const servedPct = round((paid.result.served / paid.result.requests) * 100);
      targets.push({
        name: `paid, ${paidClients} clients, ${adapter} (authorization mode)`,
        goal: '100% served and >= 2x reference req/s',
        actual: `${servedPct}% served, ${paid.ratio}x req/s (${paid.servedRatio}x served/s)`,
        met: paid.result.served === paid.result.requests && paid.result.errors === 0 && paid.ratio >= 2,
      });
    }
    const deferred = find(runs, adapter, 'paid', paidClients, 'deferred');
    if (deferred && referencePaid) {
      const ratio = round(deferred.result.reqPerSec / referencePaid.result.reqPerSec, 2);
      const servedRatio = round(servedPerSec(deferred.result) / servedPerSec(referencePaid.result), 2);
      targets.push({ name: `deferred mode, ${paidClients} clients, ${adapter}`, goal: '>= 10x reference paid req/s', actual: `${ratio}x req/s (${servedRatio}x served/s)`, met: ratio >= 10 });
    }
  }
  const ours = servers.filter((s) => s.server !== 'reference' && s.chain);
  if (ours.length > 0) {
    const bad = ours.filter((s) => !s.chain!.ok || s.chain!.refusedCharged > 0);
    targets.push({
      name: 'chain: every 200 charged exactly once, nothing charged without a 200',
      goal: 'all of our servers',
      actual: bad.length === 0 ? `${ours.reduce((n, s) => n + s.chain!.servedChargedOnce, 0)} payments checked` : `failed: ${bad.map((s) => s.name).join(', ')}`,
      met: bad.length === 0,
    });
  }
  return targets;
}

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : `${round((part / whole) * 100)}%`;
}

/** The report as Markdown: results table, targets, chain checks, profiles. */
export function renderMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(`# Benchmark: nestjs-x402 beside the reference @x402/express`, '');
  lines.push(
    `${report.startedAt}, ${report.durationS} s. Machine: ${report.machine.cpus} cores (${report.machine.cpuModel}), Node ${report.machine.node}. ${report.machine.note}` +
      (report.machine.busyBeforePct !== undefined ? ` CPU busy just before the run: ${report.machine.busyBeforePct}%.` : ''),
    `Ledger: ${report.ledger}. Chain: anvil devnet (automine), TestUSDC, ${report.buyers} funded buyers; every paid request carries a distinct pre-signed EIP-3009 payment.`,
    '',
  );
  lines.push('| server | mode | scenario | clients | requests | served | refused | req/s | served/s | p50 ms | p99 ms | req/s vs ref | served/s vs ref |');
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const run of report.runs) {
    const r = run.result;
    const server = run.server === 'reference' ? 'reference (@x402/express)' : `nestjs-x402 (${run.server})`;
    const scenario = run.scenario === 'plain' ? 'free route' : run.scenario === 'challenge' ? '402 challenge' : 'paid';
    lines.push(
      `| ${server} | ${run.scenario === 'paid' ? run.mode : '-'} | ${scenario} | ${r.connections} | ${r.requests} | ${pct(r.served, r.requests)} | ${pct(r.refused + r.errors, r.requests + r.errors)} | ${round(r.reqPerSec)} | ${round(servedPerSec(r))} | ${r.p50Ms} | ${r.p99Ms} | ${run.ratio !== undefined ? `${run.ratio}x` : '-'} | ${run.servedRatio !== undefined ? `${run.servedRatio}x` : '-'} |`,
    );
  }
  lines.push('', '## Targets', '', '| target | goal | actual | met |', '|---|---|---|---|');
  for (const t of report.targets) lines.push(`| ${t.name} | ${t.goal} | ${t.actual} | ${t.met ? 'yes' : 'NO'} |`);
  lines.push('', '## Chain check (per server process)', '');
  lines.push('Every payment sent is looked up on chain (`AuthorizationUsed` of its payer and nonce) after the server stopped; deferred settlements are waited for first.', '');
  lines.push('| server | served (200) | charged once | served unpaid | charged twice | refused but charged | in flight at the end (charged) | Transfer events / AuthorizationUsed | waited s | ok |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const s of report.servers) {
    const c = s.chain;
    if (!c) continue;
    lines.push(
      `| ${s.name} | ${c.served} | ${c.servedChargedOnce} | ${c.servedUncharged} | ${c.chargedTwice} | ${c.refusedCharged} | ${c.unanswered} (${c.unansweredCharged}) | ${c.transfersToPayTo} / ${c.authorizationsUsed} | ${c.waitedS} | ${c.ok ? 'yes' : 'NO'} |`,
    );
  }
  const refused = report.runs.filter((r) => r.result.refused > 0);
  if (refused.length > 0) {
    lines.push('', 'Refusals by status:', '');
    for (const r of refused) {
      const statuses = Object.entries(r.result.statuses).filter(([status]) => status !== '200');
      lines.push(`- ${r.server} ${r.mode} ${r.scenario}, ${r.result.connections} clients: ${statuses.map(([status, n]) => `${n} x ${status}`).join(', ')}`);
    }
  }
  const profiled = report.servers.filter((s) => s.profile);
  if (profiled.length > 0) {
    lines.push('', '## CPU profiles (`--cpu-prof` of each server process, whole life incl. startup)', '');
    for (const s of profiled) {
      const p = s.profile!;
      lines.push(`### ${s.name}: ${p.busyMs} ms busy, ${p.idlePct}% idle`, '');
      lines.push(`By package: ${p.byPackage.slice(0, 10).map((e) => `${e.name} ${e.selfPct}%`).join(', ')}`, '');
      lines.push('| self % | frame |', '|---:|---|');
      for (const f of p.topFrames) lines.push(`| ${f.selfPct} | \`${f.name}\` |`);
      lines.push('');
    }
  }
  return lines.join('\n') + '\n';
}
