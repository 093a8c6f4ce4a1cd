import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** The library's sources (specs excluded) and the relative modules each imports, type-only imports included. */
const SRC = resolve('libs/x402/src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'";]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => {
    const target = resolve(dirname(file), (m[1] ?? m[2]).replace(/\.js$/, '.ts'));
    return existsSync(target) ? target : join(target.replace(/\.ts$/, ''), 'index.ts');
  });
}

/** Strongly connected components of more than one file (Tarjan): each is an import cycle. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(relative(SRC, w));
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The layers above the request pipeline's foundations: transport, payment methods, settlement and the optional integrations. */
const UPPER = ['http', 'methods', 'proofs', 'sessions', 'settlement', 'mcp', 'webhooks', 'health', 'metrics', 'openapi', 'logging/x402-logging.module'];

/**
 * The foundations and what each may not import. Known exception, to be split: the ledger's stores
 * still hand out the stores of the opt-in methods on the same database (`proofs/`, `sessions/`).
 */
const FOUNDATIONS: Record<string, string[]> = {
  pricing: [...UPPER, 'ledger', 'facilitator'],
  facilitator: [...UPPER, 'ledger', 'pricing'],
  ledger: UPPER.filter((layer) => layer !== 'proofs' && layer !== 'sessions'),
};

/** Imports from a foundation directory into a layer above it, as `from -> to` (relative to src). */
function upwardImports(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  for (const [file, imports] of graph) {
    const from = relative(SRC, file);
    const forbidden = FOUNDATIONS[from.split('/')[0]];
    // `ledger/typeorm/index.ts` is the `/typeorm` entry: it gathers every TypeORM piece, whatever its layer.
    if (!forbidden || from === 'ledger/typeorm/index.ts') continue;
    for (const target of imports) {
      const to = relative(SRC, target);
      if (forbidden.some((layer) => to === `${layer}.ts` || to.startsWith(`${layer}/`))) found.push(`${from} -> ${to}`);
    }
  }
  return found;
}

describe('architecture of libs/x402/src', () => {
  const graph = new Map(sources(SRC).map((file) => [file, importsOf(file)]));

  it('has no import cycle (type imports count)', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('points one way: pricing, the ledger and the facilitator import nothing of the layers above them', () => {
    expect(upwardImports(graph)).toEqual([]);
    // the check itself
    expect(upwardImports(new Map([[join(SRC, 'pricing/x.ts'), [join(SRC, 'http/x402.guard.ts')]]]))).toEqual(['pricing/x.ts -> http/x402.guard.ts']);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    expect(cycles(new Map([[join(SRC, 'a.ts'), [join(SRC, 'b.ts')]], [join(SRC, 'b.ts'), [join(SRC, 'a.ts')]]]))).toEqual([['a.ts', 'b.ts']]);
  });
});
