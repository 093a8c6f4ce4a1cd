import { Ajv } from 'ajv';
import { decodePaymentRequiredHeader } from '@x402/core/http';
import type { PaymentRequired } from '@x402/core/types';
import { formatAtomic } from '@nestjs-x402/core';
import { priceLabel, type X402AcceptedOption, type X402PaymentInfo } from '@nestjs-x402/core/openapi';
import type { X402DiscoveryDocument } from '@nestjs-x402/core/discovery';
import { ADAPTERS, startDemo, type DemoHarness } from './support/demo.harness.js';
import { validateOpenApi } from './support/openapi-validator.js';

type Parameter = { name: string; in: string; example?: unknown; schema?: { example?: unknown; enum?: unknown[] } };
type Operation = {
  summary?: string;
  parameters?: Parameter[];
  requestBody?: unknown;
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema?: unknown; example?: { accepts?: unknown } }> }>;
  'x-payment-info'?: X402PaymentInfo;
};
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { required?: string[] }> } };
type Entry = { method: string; path: string; operation: Operation };

/**
 * A concrete URL for an operation: path parameters from their documented examples (or enum), then a
 * placeholder; without an explicit query, the query parameters that have a documented example
 * (input a route checks before it asks for payment).
 */
function urlOf(base: string, path: string, operation: Operation, query = ''): string {
  const values = Object.fromEntries((operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, p.example ?? p.schema?.example ?? p.schema?.enum?.[0] ?? 'sample']));
  const examples = (operation.parameters ?? []).filter((p) => p.in === 'query' && (p.example ?? p.schema?.example) !== undefined);
  const documented = examples.length ? `?${new URLSearchParams(examples.map((p) => [p.name, String(p.example ?? p.schema?.example)]))}` : '';
  return base + path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(values[name]))) + (query || documented);
}

/** Calls an operation without paying. */
function call(base: string, { method, path, operation }: Entry, query = ''): Promise<Response> {
  const body = operation.requestBody ? { body: '{}', headers: { 'content-type': 'application/json' } } : {};
  return fetch(urlOf(base, path, operation, query), { method: method.toUpperCase(), ...body });
}

function challengeOf(res: Response): PaymentRequired {
  const header = res.headers.get('payment-required');
  if (!header) throw new Error(`no PAYMENT-REQUIRED header (status ${res.status})`);
  return decodePaymentRequiredHeader(header);
}

const withoutAmount = (accepts: Array<X402AcceptedOption | PaymentRequired['accepts'][number]>) => accepts.map(({ amount: _amount, ...rest }) => rest);

/**
 * The live `accepts` without what each 402 makes up afresh and the document cannot know: the payment
 * reference of a `tx-hash` entry (with its expiry and status URL), the facilitator of an `upto` entry.
 */
const documentable = (accepts: PaymentRequired['accepts']) =>
  accepts.map((a) => {
    const { reference: _r, expiresAt: _e, status: _s, facilitatorAddress: _f, ...extra } = a.extra as Record<string, unknown>;
    return { ...a, extra };
  });

describe.each(ADAPTERS)('prices in the demo\'s OpenAPI document, /.well-known/x402 and CORS (anvil, %s)', (adapter) => {
  let demo: DemoHarness;
  let document: Document;
  let entries: Entry[];
  let priced: Entry[];

  beforeAll(async () => {
    demo = await startDemo({}, {}, { database: 'pglite', adapter });
    document = await (await fetch(`${demo.url}/openapi.json`)).json();
    entries = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ method, path, operation })));
    priced = entries.filter((e) => e.operation['x-payment-info']);
  }, 120_000);
  afterAll(() => demo?.close(), 30_000);

  it('serves a document that validates as OpenAPI', async () => {
    await validateOpenApi(document);
  });

  it('documents the priced routes of the demo, fixed and dynamic (method, controller and @Free prices)', () => {
    const documented = priced.map((e) => `${e.method.toUpperCase()} ${e.path} ${e.operation['x-payment-info']!.price.mode}`);
    expect(documented).toEqual(
      expect.arrayContaining([
        'GET /reports/summary fixed',
        'GET /reports/{id} fixed',
        'GET /weather/forecast/{city} fixed',
        'GET /weather/history/{city} dynamic',
        'POST /search fixed',
      ]),
    );
    expect(documented).not.toContain('GET /reports fixed');
    expect(documented).not.toContain('GET /weather/cities fixed');
  });

  it('documents a price exactly where the live API asks for a payment: 402 on priced operations, never on the others', async () => {
    for (const entry of entries) {
      const res = await call(demo.url, entry);
      expect({ route: `${entry.method} ${entry.path}`, status: res.status === 402 ? 402 : 'not 402' }).toEqual({
        route: `${entry.method} ${entry.path}`,
        status: entry.operation['x-payment-info'] ? 402 : 'not 402',
      });
    }
  });

  it('documents, for every fixed price, the amounts, assets and networks of the live 402', async () => {
    for (const entry of priced.filter((e) => e.operation['x-payment-info']!.price.mode === 'fixed')) {
      const info = entry.operation['x-payment-info']!;
      const live = challengeOf(await call(demo.url, entry));
      const documented = info.protocols[0].x402.accepts;
      expect({ route: entry.path, accepts: documented }).toEqual({ route: entry.path, accepts: documentable(live.accepts) });
      for (const option of live.accepts) {
        expect(info.price).toEqual({ mode: 'fixed', currency: 'USD', amount: formatAtomic(BigInt(option.amount), demo.devnet.usdc.decimals) });
      }
      expect(entry.operation.summary?.startsWith(`${priceLabel(info)} — `)).toBe(true);
      expect(priceLabel(info)).toMatch(/^\$\d+\.\d{2,} · USDC$/);
      expect(entry.operation.responses['402'].content!['application/json'].example!.accepts).toEqual(documentable(live.accepts));
    }
  });

  it('documents dynamic prices as dynamic, with their bounds; their live amount does change with the request', async () => {
    const history = priced.find((e) => e.path === '/weather/history/{city}')!;
    const info = history.operation['x-payment-info']!;
    expect(info.price).toEqual({ mode: 'dynamic', currency: 'USD', min: '0.001', max: '0.365', description: 'computed per request: Daily history, $0.001 per day' });
    expect(history.operation.summary).toMatch(/^\$0\.001–\$0\.365 · USDC/);
    const oneDay = challengeOf(await call(demo.url, history, '?days=1'));
    const thirtyDays = challengeOf(await call(demo.url, history, '?days=30'));
    expect([oneDay.accepts[0].amount, thirtyDays.accepts[0].amount]).toEqual(['1000', '30000']);
    expect(withoutAmount(info.protocols[0].x402.accepts)).toEqual(withoutAmount(oneDay.accepts));
  });

  it('documents the 402 (body schema, PAYMENT-REQUIRED), the PAYMENT-SIGNATURE parameter and PAYMENT-RESPONSE on success', async () => {
    for (const { path, operation } of priced) {
      const response = operation.responses['402'];
      expect(response.content!['application/json'].schema).toEqual({ $ref: '#/components/schemas/X402PaymentRequired' });
      expect(Object.keys(response.headers!)).toEqual(['PAYMENT-REQUIRED']);
      expect(operation.parameters).toContainEqual(expect.objectContaining({ name: 'PAYMENT-SIGNATURE', in: 'header', required: false }));
      const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
      expect({ path, success: success.length > 0 }).toEqual({ path, success: true });
      for (const status of success) expect(Object.keys(operation.responses[status].headers ?? {})).toContain('PAYMENT-RESPONSE');
    }
  });

  it('documents a 402 body schema that the live 402 bodies (and the documented examples) satisfy', async () => {
    // ajv comes with @apidevtools/swagger-parser; the document's schemas are plain JSON Schema here.
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema({ components: document.components }, 'openapi');
    const validate = ajv.compile({ $ref: 'openapi#/components/schemas/X402PaymentRequired' });
    for (const entry of priced) {
      const live = await (await call(demo.url, entry)).json();
      expect({ route: entry.path, valid: validate(live), errors: validate.errors ?? null }).toEqual({ route: entry.path, valid: true, errors: null });
      expect(live.error).toBe('payment_required');
      const example = entry.operation.responses['402'].content!['application/json'].example;
      if (example) expect({ route: entry.path, valid: validate(example), errors: validate.errors ?? null }).toEqual({ route: entry.path, valid: true, errors: null });
    }
    expect(validate({ x402Version: 2, error: { code: 'payment_required', message: 'm' }, accepts: [] })).toBe(false);
  });

  it('says which routes of a priced controller are free', () => {
    const catalog = document.paths['/reports'].get;
    expect(catalog['x-payment-info']).toBeUndefined();
    expect(catalog.responses['402']).toBeUndefined();
    expect((catalog as { description?: string }).description).toContain('Free: no x402 payment required.');
  });

  it('lists every priced operation in /.well-known/x402 with the accepts of its live 402', async () => {
    const res = await fetch(`${demo.url}/.well-known/x402`);
    expect(res.status).toBe(200);
    const discovery = (await res.json()) as X402DiscoveryDocument;
    expect(discovery.items.map((i) => `${i.method} ${i.path}`).sort()).toEqual(priced.map((e) => `${e.method.toUpperCase()} ${e.path}`).sort());
    expect(discovery.resources.sort()).toEqual([...new Set(priced.map((e) => demo.url + e.path))].sort());
    for (const item of discovery.items) {
      const entry = priced.find((e) => e.path === item.path && e.method.toUpperCase() === item.method)!;
      expect(item.price).toEqual(entry.operation['x-payment-info']!.price);
      const live = challengeOf(await call(demo.url, entry));
      expect(item.price.mode === 'fixed' ? item.accepts : withoutAmount(item.accepts)).toEqual(
        item.price.mode === 'fixed' ? documentable(live.accepts) : withoutAmount(documentable(live.accepts)),
      );
      expect(item.extensions?.bazaar).toEqual(live.extensions?.bazaar);
    }
    expect(document.paths['/.well-known/x402'].get.summary).toMatch(/^x402 discovery/);
    const declared = discovery.items.filter((i) => i.extensions?.bazaar).map((i) => `${i.method} ${i.path}`);
    expect(declared).toEqual(expect.arrayContaining(['GET /weather/forecast/{city}', 'POST /search']));
  });

  it('lets browsers send the payment headers (CORS preflight) and read the x402 response headers', async () => {
    const origin = 'https://wallet.example';
    const preflight = await fetch(`${demo.url}/weather/forecast/lisbon`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'payment-signature,x-payment' },
    });
    expect(preflight.status).toBe(204);
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['payment-signature', 'x-payment']));

    const res = await fetch(`${demo.url}/weather/forecast/lisbon`, { headers: { origin } });
    expect(res.status).toBe(402);
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['payment-required', 'payment-response', 'x-payment-response']));
  });
});
