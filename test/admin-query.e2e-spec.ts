import { startDemo, type DemoHarness } from './support/demo.harness.js';

/** The admin API refuses malformed query parameters with 400 invalid_query, never a 500. */
describe('admin query parameters (PostgreSQL ledger)', () => {
  let demo: DemoHarness;
  const admin = (path: string) => fetch(`${demo.url}${path}`, { headers: { authorization: `Bearer ${demo.adminToken}` } });

  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(() => demo?.close());

  it.each([
    '/admin/receipts?limit=abc',
    '/admin/receipts?limit=1e3',
    '/admin/receipts?offset=-1',
    '/admin/receipts?limit=1&limit=2',
    '/admin/receipts?payer=a&payer=b',
    '/admin/receipts?route=a&route=b',
    '/admin/receipts?from=a&from=b',
    '/admin/revenue?by=route&by=day',
    '/admin/failures?from=x',
  ])('%s is a 400 invalid_query', async (path) => {
    const res = await admin(path);
    expect([res.status, (await res.json()).error?.code]).toEqual([400, 'invalid_query']);
  });

  it('still answers well-formed queries', async () => {
    expect((await admin('/admin/receipts?limit=5&offset=0&payer=0x70997970C51812dc3A010C7d01b50e0d17dc79C8')).status).toBe(200);
  });
});
