import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { startDemo, type DemoHarness } from './support/demo.harness.js';

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
});
