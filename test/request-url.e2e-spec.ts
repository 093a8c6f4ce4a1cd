import { decodePaymentRequiredHeader } from '@x402/core/http';
import { createSIWxPayload, encodeSIWxHeader } from '@x402/extensions/sign-in-with-x';
import { request } from 'node:http';
import { ADAPTERS, errorOf, payingFetch, startDemo, type DemoHarness } from './support/demo.harness.js';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/**
 * One request with exactly these headers and this request target (an absolute-form target, a Host
 * header with spaces or a path: what `fetch` refuses to send and an attacker sends anyway).
 */
export function rawRequest(base: string, target: string, headers: Record<string, string>, method = 'GET'): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path: target, headers, setHost: !Object.keys(headers).some((h) => h.toLowerCase() === 'host') }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: kept as text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The `resource.url` of a 402's PAYMENT-REQUIRED header. */
function resourceOf(answer: RawAnswer): string {
  return decodePaymentRequiredHeader(answer.headers['payment-required'] as string).resource.url;
}

/**
 * Resource URLs come from the configured public URL or a validated Host and the routed path only:
 * a Host header with spaces, `%`, a bad port or path characters, an untrusted X-Forwarded-Host and
 * an absolute-form request target never make a 500 or a URL the attacker chose, and a paid session
 * for one resource cannot be stretched to another by smuggling its path in the Host header.
 */
describe.each(ADAPTERS)('URLs built from the request (anvil, %s)', (adapter) => {
  let demo: DemoHarness;
  let host: string;
  const forecast = '/weather/forecast/lisbon';

  beforeAll(async () => {
    demo = await startDemo({}, {}, { adapter });
    host = new URL(demo.url).host;
  });
  afterAll(() => demo?.close());

  it.each([
    ['a space', 'a b'],
    ['a percent sign', 'a%b'],
    ['a port out of range', 'x:99999'],
    ['a path', `HOST/reports/heat-2026?`],
    ['user info', 'evil.example@HOST'],
  ])('a Host header with %s is a 400 invalid_host, never a 500 or a challenge for another URL', async (_, value) => {
    const answer = await rawRequest(demo.url, forecast, { Host: value.replace('HOST', host) });
    expect([answer.status, errorOf(answer.body).code]).toEqual([400, 'invalid_host']);
    expect(answer.body).not.toHaveProperty('city');
  });

  it('an X-Forwarded-Host from an untrusted client is ignored: the URL is the Host\'s', async () => {
    for (const forwarded of ['a%b', 'evil.example', `${host}/reports/heat-2026?`]) {
      const answer = await rawRequest(demo.url, forecast, { 'X-Forwarded-Host': forwarded, 'X-Forwarded-Proto': 'https' });
      expect(answer.status).toBe(402);
      expect(resourceOf(answer)).toBe(`http://${host}${forecast}`);
    }
  });

  it('an absolute-form request target gives the routed path on the Host\'s origin', async () => {
    const answer = await rawRequest(demo.url, `http://evil.example${forecast}?x=1`, { Host: host });
    expect(answer.status).toBe(402);
    expect(resourceOf(answer)).toBe(`http://${host}${forecast}?x=1`);
  });

  it('the discovery document (cached by proxies) takes the same care', async () => {
    const answer = await rawRequest(demo.url, '/.well-known/x402', { Host: `${host}/x?` });
    expect([answer.status, errorOf(answer.body).code]).toEqual([400, 'invalid_host']);
    const forwarded = await rawRequest(demo.url, '/.well-known/x402', { 'X-Forwarded-Host': 'evil.example' });
    expect(JSON.stringify(forwarded.body)).not.toContain('evil.example');
  });

  /** A sign-in the attacker signs for `uri` on the demo's origin (what the server's URL parser sees). */
  /** A sign-in for `uri`, on a nonce the server issued (taken from a 402 of an access route). */
  async function signIn(uri: string): Promise<string> {
    const challenge = await fetch(`${demo.url}/reports/summary`);
    await challenge.arrayBuffer();
    const { nonce } = (decodePaymentRequiredHeader(challenge.headers.get('payment-required')!).extensions!['sign-in-with-x'] as { info: { nonce: string } }).info;
    const now = Date.now();
    const info = {
      domain: host,
      uri,
      version: '1',
      nonce,
      issuedAt: new Date(now).toISOString(),
      expirationTime: new Date(now + 60_000).toISOString(),
      statement: 'sign in',
      resources: [uri],
      chainId: demo.devnet.network,
      type: 'eip191' as const,
    };
    return encodeSIWxHeader(await createSIWxPayload(info, demo.devnet.accounts.buyer.account, demo.url));
  }

  it('a session paid for one report does not open another through a Host (or X-Forwarded-Host) carrying the paid path', async () => {
    const paid = await payingFetch(demo.devnet.accounts.buyer.account)(`${demo.url}/reports/heat-2026`);
    expect(paid.status).toBe(200);
    const smuggled = `http://${host}/reports/heat-2026?/reports/rain-monthly`;
    const viaHost = await rawRequest(demo.url, '/reports/rain-monthly', { Host: `${host}/reports/heat-2026?`, 'SIGN-IN-WITH-X': await signIn(smuggled) });
    expect(viaHost.body).not.toHaveProperty('title');
    expect([viaHost.status, errorOf(viaHost.body).code]).toEqual([400, 'invalid_host']);
    const viaForwarded = await rawRequest(demo.url, '/reports/rain-monthly', { 'X-Forwarded-Host': `${host}/reports/heat-2026?`, 'SIGN-IN-WITH-X': await signIn(smuggled) });
    expect(viaForwarded.body).not.toHaveProperty('title');
    expect(viaForwarded.status).toBe(402);
  });

  it('a session paid for one query of a resource does not open another query', async () => {
    const paid = await payingFetch(demo.devnet.accounts.buyer.account)(`${demo.url}/reports/summary?region=eu`);
    expect(paid.status).toBe(200);
    const other = await rawRequest(demo.url, '/reports/summary?region=all', { 'SIGN-IN-WITH-X': await signIn(`http://${host}/reports/summary?region=all`) });
    expect([other.status, errorOf(other.body).code]).toEqual([402, 'no_paid_access']);
    const same = await rawRequest(demo.url, '/reports/summary?region=eu', { 'SIGN-IN-WITH-X': await signIn(`http://${host}/reports/summary?region=eu`) });
    expect(same.status).toBe(200);
  });
});

/** Behind a proxy the app trusts, X-Forwarded-Host/-Proto give the URL, and are validated the same way. */
describe.each(ADAPTERS)('URLs behind a trusted proxy (anvil, %s)', (adapter) => {
  let demo: DemoHarness;
  const forecast = '/weather/forecast/lisbon';

  beforeAll(async () => {
    demo = await startDemo({}, {}, { adapter, trustProxy: 'loopback' });
  });
  afterAll(() => demo?.close());

  it('takes the forwarded origin', async () => {
    const answer = await rawRequest(demo.url, forecast, { 'X-Forwarded-Host': 'api.example.com', 'X-Forwarded-Proto': 'https' });
    expect(answer.status).toBe(402);
    expect(resourceOf(answer)).toBe(`https://api.example.com${forecast}`);
  });

  it.each([['a%b'], ['api.example.com/reports/heat-2026?'], ['x:99999']])('refuses X-Forwarded-Host %s with 400 invalid_host', async (forwarded) => {
    const answer = await rawRequest(demo.url, forecast, { 'X-Forwarded-Host': forwarded });
    expect([answer.status, errorOf(answer.body).code]).toEqual([400, 'invalid_host']);
  });

  it('refuses an X-Forwarded-Proto other than http or https with 400 invalid_forwarded_proto', async () => {
    const answer = await rawRequest(demo.url, forecast, { 'X-Forwarded-Proto': 'javascript' });
    expect([answer.status, errorOf(answer.body).code]).toEqual([400, 'invalid_forwarded_proto']);
  });
});
