import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { decodePaymentRequiredHeader } from '@x402/core/http';
import { startDemo, type DemoHarness } from './support/demo.harness.js';

type Parameter = { name: string; in: string; example?: unknown; schema?: { example?: unknown; enum?: unknown[] } };
type Operation = { parameters?: Parameter[]; requestBody?: unknown; 'x-payment-info'?: unknown };
type Warning = { code: string; severity: 'error' | 'warn' | 'info'; message: string; path?: string };
type Discovery = { ok: boolean; resources: Array<{ method: string; path: string; authHint?: string; priceHint?: string }>; warnings: Warning[] };

/** The agentcash discovery command (`discovery discover <origin> --json`), the way an agent tool audits an origin. */
const CLI = join(dirname(createRequire(import.meta.url).resolve('@agentcash/discovery')), '..', 'bin', 'discovery.js');

/**
 * Runs the audit against the demo on 127.0.0.1 only: it reads /openapi.json, probes each listed
 * route (its 402 and `bazaar` schemas) and looks for a favicon, all on the demo's origin.
 */
async function audit(origin: string): Promise<Discovery> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'discover', origin, '--json'], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Discovery;
}

describe('agent discovery audit of the demo (@agentcash/discovery)', () => {
  let demo: DemoHarness;
  let result: Discovery;

  beforeAll(async () => {
    demo = await startDemo({}, {}, { database: 'pglite' });
    result = await audit(demo.url);
  }, 120_000);
  afterAll(() => demo?.close(), 30_000);

  it('finds the demo through /openapi.json', () => {
    expect(result.ok).toBe(true);
    expect(result.resources.length).toBeGreaterThan(0);
  });

  it('reports no error and no warning', () => {
    const problems = result.warnings.filter((w) => w.severity !== 'info').map((w) => `${w.severity} ${w.code} ${w.path ?? ''} ${w.message}`);
    expect(problems).toEqual([]);
  });

  it('lists every priced route as paid, with a price an agent can budget for', () => {
    const paid = result.resources.filter((r) => r.authHint === 'paid');
    expect(paid.length).toBeGreaterThan(0);
    for (const route of paid) expect(route.priceHint).toMatch(/USD$/);
  });

  /*
   * The audit probes each path as written (`/weather/forecast/{city}`), so a route that checks its input
   * before asking for payment answers it 404 or 400 and its 402 goes unread. Here each priced route is
   * called with its documented examples, and its 402 must carry what the audit reads there: the input and
   * output schemas of the `bazaar` extension.
   */
  it('describes the input and output of every priced route in its 402 (bazaar extension)', async () => {
    const document = (await (await fetch(`${demo.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const priced = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).filter(([, op]) => op['x-payment-info']).map(([method, op]) => ({ path, method, op })));
    expect(priced.length).toBeGreaterThanOrEqual(9);
    for (const { path, method, op } of priced) {
      const example = (p: Parameter) => p.example ?? p.schema?.example ?? p.schema?.enum?.[0];
      const params = op.parameters ?? [];
      const url = new URL(demo.url + path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(example(params.find((p) => p.in === 'path' && p.name === name)!)))));
      for (const p of params.filter((p) => p.in === 'query' && example(p) !== undefined)) url.searchParams.set(p.name, String(example(p)));
      const res = await fetch(url, { method: method.toUpperCase(), ...(op.requestBody ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 402`);
      const bazaar = decodePaymentRequiredHeader(res.headers.get('payment-required')!).extensions?.bazaar as { schema?: { properties?: Record<string, { properties?: Record<string, unknown> }> } } | undefined;
      const input = bazaar?.schema?.properties?.input?.properties;
      expect([`${method} ${path}`, Boolean(input?.body ?? input?.queryParams), Boolean(bazaar?.schema?.properties?.output?.properties?.example)]).toEqual([`${method} ${path}`, true, true]);
    }
  });
});
