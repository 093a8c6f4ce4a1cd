import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DATABASE_URL } from './support/databases.js';
import { run } from './support/processes.js';
import { buildDemo } from './support/build.js';

/** `x402 migrate` against the real PostgreSQL, in a scratch schema. */
describe('x402 migrate', () => {
  const schema = `x402_cli_${randomBytes(4).toString('hex')}`;
  let admin: DataSource;
  const url = `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;

  beforeAll(async () => {
    buildDemo();
    admin = await new DataSource({ type: 'postgres', url: DATABASE_URL }).initialize();
    await admin.query(`CREATE SCHEMA ${schema}`);
  }, 60_000);
  afterAll(async () => {
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.destroy();
  });

  const tables = async () =>
    (await admin.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [schema])).map((r: { table_name: string }) => r.table_name);

  it('creates the ledger tables, then reports them up to date', async () => {
    const first = await run(process.execPath, ['libs/x402/bin/x402.mjs', 'migrate', '--database-url', url]);
    expect(first.code).toBe(0);
    expect(first.output).toContain('applied X402Ledger1764000000000');
    expect(await tables()).toEqual(expect.arrayContaining(['migrations', 'x402_payments', 'x402_session_nonces']));
    const second = await run(process.execPath, ['libs/x402/bin/x402.mjs', 'migrate'], { DATABASE_URL: url });
    expect(second.code).toBe(0);
    expect(second.output).toContain('up to date');
  });

  it('reverts the last migration', async () => {
    const res = await run(process.execPath, ['libs/x402/bin/x402.mjs', 'migrate', '--revert', '--database-url', url]);
    expect(res.code).toBe(0);
    const applied = (await admin.query(`SELECT name FROM ${schema}.migrations ORDER BY id`)).map((r: { name: string }) => r.name);
    // the last one (the deferred exposure function) is reverted, the ones before it stay
    expect(applied).toEqual([
      'X402Ledger1764000000000',
      'X402SessionNonces1764000000001',
      'X402SettlementOutbox1764000000002',
      'X402ProofsAndUsage1764000000003',
      'X402WebhookDeliveries1764000000004',
      'X402SignInNonces1764000000005',
      'X402ProofClaimOwner1764600000000',
    ]);
    expect(await tables()).toEqual(expect.arrayContaining(['x402_webhook_deliveries', 'x402_sign_in_nonces']));
    const columns = (await admin.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'x402_payment_references'`, [schema])).map(
      (r: { column_name: string }) => r.column_name,
    );
    expect(columns).toEqual(expect.arrayContaining(['transaction_hash', 'claim_owner']));
    const functions = await admin.query(`SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1`, [schema]);
    expect(functions).toEqual([]);
  });

  it('fails with a usage error without a database, and exit 4 when it is unreachable', async () => {
    expect((await run(process.execPath, ['libs/x402/bin/x402.mjs', 'migrate'], { DATABASE_URL: '' })).code).toBe(2);
    const down = await run(process.execPath, ['libs/x402/bin/x402.mjs', 'migrate', '--database-url', 'postgres://nobody@127.0.0.1:1/none']);
    expect(down.code).toBe(4);
    expect(down.output).toContain('cannot connect to the database');
  });
});
