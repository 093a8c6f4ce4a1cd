import { decodePaymentRequiredHeader } from '@x402/core/http';
import { createSIWxPayload, encodeSIWxHeader, SIGN_IN_WITH_X, type CompleteSIWxInfo } from '@x402/extensions/sign-in-with-x';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { ADAPTERS, errorOf, payingFetch, startDemo, type DemoHarness } from './support/demo.harness.js';

/** The sign-in-with-x offer of a 402: its `info`, with the chain the demo accepts. */
async function offerOf(url: string, headers: Record<string, string> = {}): Promise<CompleteSIWxInfo> {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(402);
  await res.arrayBuffer();
  const required = decodePaymentRequiredHeader(res.headers.get('payment-required')!);
  const declaration = required.extensions![SIGN_IN_WITH_X] as { info: Omit<CompleteSIWxInfo, 'chainId' | 'type'>; supportedChains: { chainId: string }[] };
  return { ...declaration.info, chainId: declaration.supportedChains[0].chainId, type: 'eip191' } as CompleteSIWxInfo;
}

/** A raw GET (fetch cannot send an arbitrary Host). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Issue #14, finding 5: a sign-in must carry a nonce the server issued in a 402, unexpired, used once,
 * for the domain of `publicUrl` or of the Host the platform trusts (never a raw X-Forwarded-Host).
 */
describe.each(ADAPTERS)('sign-in-with-x nonces and domains (PostgreSQL ledger, anvil, %s)', (adapter) => {
  let demo: DemoHarness;
  const route = () => `${demo.url}/reports/summary`;
  const buyer = () => demo.devnet.accounts.buyer.account;

  beforeAll(async () => {
    demo = await startDemo({}, {}, { adapter });
    expect((await payingFetch(buyer())(route())).status).toBe(200);
  });
  afterAll(() => demo?.close());

  const signIn = async (info: CompleteSIWxInfo, headers: Record<string, string> = {}) => {
    const header = encodeSIWxHeader(await createSIWxPayload(info, buyer(), info.uri));
    const res = await fetch(route(), { headers: { 'SIGN-IN-WITH-X': header, ...headers } });
    return { status: res.status, code: errorOf(await res.json()).code, header };
  };

  it('a sign-in with the nonce of a 402 is served once; a made-up nonce is refused', async () => {
    const offer = await offerOf(route());
    const made = await signIn({ ...offer, nonce: randomBytes(16).toString('hex') });
    expect(made).toMatchObject({ status: 402, code: 'invalid_siwx_nonce' });
    const real = await signIn(offer);
    expect(real.status).toBe(200);
  });

  it('a used nonce is refused, re-signed or replayed', async () => {
    const offer = await offerOf(route());
    const first = await signIn(offer);
    expect(first.status).toBe(200);
    expect(await signIn({ ...offer, issuedAt: new Date().toISOString() })).toMatchObject({ status: 402, code: 'invalid_siwx_nonce' });
    const replay = await fetch(route(), { headers: { 'SIGN-IN-WITH-X': first.header } });
    expect(replay.status).toBe(402);
    expect(errorOf(await replay.json()).code).toBe('invalid_siwx_nonce');
  });

  it('a signature phished for another domain is refused with X-Forwarded-Host of that domain (proxy not trusted)', async () => {
    const forwarded = { 'X-Forwarded-Host': 'evil.example' };
    const offer = await offerOf(route(), forwarded);
    expect(offer.domain).toBe(new URL(demo.url).host); // the 402 names the real host, not the forwarded one
    const phished = { ...offer, domain: 'evil.example', uri: 'http://evil.example/reports/summary' };
    expect(await signIn(phished, forwarded)).toMatchObject({ status: 402, code: 'invalid_siwx_domain_mismatch' });
  });

  it('Host: "a b" on an access route is a 400 invalid_host, with or without a sign-in', async () => {
    const offer = await offerOf(route());
    const header = encodeSIWxHeader(await createSIWxPayload(offer, buyer(), offer.uri));
    for (const headers of [{ Host: 'a b' } as Record<string, string>, { Host: 'a b', 'SIGN-IN-WITH-X': header }, { Host: `${new URL(demo.url).host}/reports/heat-2026?`, 'SIGN-IN-WITH-X': header }]) {
      const res = await rawGet(route(), headers);
      expect(res.status).toBe(400);
      expect(errorOf(JSON.parse(res.body)).code).toBe('invalid_host');
    }
  });
});

/** With `publicUrl` set, the sign-in domain is the public URL's, whatever Host or X-Forwarded-Host a request carries. */
describe('sign-in-with-x behind publicUrl (PostgreSQL ledger, anvil)', () => {
  let demo: DemoHarness;
  const route = () => `${demo.url}/reports/summary`;

  beforeAll(async () => {
    demo = await startDemo({}, { X402_PUBLIC_URL: 'https://api.example.com' });
    expect((await payingFetch(demo.devnet.accounts.buyer.account)(route())).status).toBe(200);
  });
  afterAll(() => demo?.close());

  it('offers the public domain, and refuses a sign-in for the Host or a forwarded host', async () => {
    const offer = await offerOf(route(), { 'X-Forwarded-Host': 'evil.example' });
    expect([offer.domain, offer.uri]).toEqual(['api.example.com', 'https://api.example.com/reports/summary']);
    const buyer = demo.devnet.accounts.buyer.account;
    for (const domain of [new URL(demo.url).host, 'evil.example']) {
      const info = { ...(await offerOf(route())), domain, uri: `http://${domain}/reports/summary` };
      const header = encodeSIWxHeader(await createSIWxPayload(info, buyer, info.uri));
      const res = await fetch(route(), { headers: { 'SIGN-IN-WITH-X': header, 'X-Forwarded-Host': domain } });
      expect([res.status, errorOf(await res.json()).code]).toEqual([402, 'invalid_siwx_domain_mismatch']);
    }
    const good = await offerOf(route());
    const res = await fetch(route(), { headers: { 'SIGN-IN-WITH-X': encodeSIWxHeader(await createSIWxPayload(good, buyer, good.uri)) } });
    expect(res.status).toBe(200);
  });
});
