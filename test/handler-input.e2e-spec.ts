import { x402Client } from '@x402/core/client';
import { toClientEvmSigner } from '@x402/evm';
import { UptoEvmScheme } from '@x402/evm/upto/client';
import { createSIWxPayload, encodeBase58, encodeSIWxHeader, SOLANA_DEVNET } from '@x402/extensions/sign-in-with-x';
import { wrapFetchWithPayment } from '@x402/fetch';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createWalletClient, http, maxUint256 } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import { PERMIT2_ADDRESS, testUsdcAbi } from '@nestjs-x402/testing';
import { parsePrometheus } from './support/prometheus.js';
import { ADAPTERS, challengeOf, errorOf, startDemo, signPayment, type DemoHarness } from './support/demo.harness.js';

/** `fetch` that pays 402s with the official x402 client's `upto` scheme. */
function uptoFetch(account: PrivateKeyAccount): typeof fetch {
  const client = new x402Client().register('eip155:*', new UptoEvmScheme(toClientEvmSigner(account)));
  client.setSpendControls({ allowedAssets: true });
  return wrapFetchWithPayment(fetch, client);
}

/**
 * Input a demo handler cannot serve (`/reports/__proto__`, `/reports/constructor`, a repeated
 * `cities` query parameter) is refused with a 4xx and a code before any payment is asked for or
 * verified, never a 500 after the payment was verified (which also left the authorization free to
 * try again and again); a sign-in on a non-EVM chain is a 402 with a code, not a 500.
 */
describe.each(ADAPTERS)('input refused before payment (anvil, %s)', (adapter) => {
  let demo: DemoHarness;
  const merchant = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);
  const buyer = () => demo.devnet.accounts.buyer.account;

  beforeAll(async () => {
    demo = await startDemo({}, {}, { adapter });
    const wallet = createWalletClient({ account: buyer(), chain: demo.devnet.chain, transport: http(demo.devnet.rpcUrl) });
    const hash = await wallet.writeContract({ address: demo.devnet.usdc.address, abi: testUsdcAbi, functionName: 'approve', args: [PERMIT2_ADDRESS, maxUint256] });
    await demo.devnet.publicClient.waitForTransactionReceipt({ hash });
  });
  afterAll(() => demo?.close());

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('/reports/%s is a 404 unknown_report, unpaid or paid; the payment stays unused', async (id) => {
    const unpaid = await fetch(`${demo.url}/reports/${id}`);
    expect([unpaid.status, errorOf(await unpaid.json()).code]).toEqual([404, 'unknown_report']);

    const accepted = await challengeOf(`${demo.url}/reports/heat-2026`);
    const header = await signPayment(buyer(), accepted, demo.devnet.chainId);
    const before = await merchant();
    for (let attempt = 0; attempt < 2; attempt++) {
      const paid = await fetch(`${demo.url}/reports/${id}`, { headers: { 'PAYMENT-SIGNATURE': header } });
      expect([paid.status, errorOf(await paid.json()).code]).toEqual([404, 'unknown_report']);
    }
    expect(await merchant()).toBe(before);
    // never claimed: the same authorization still buys a real report, once
    const real = await fetch(`${demo.url}/reports/heat-2026`, { headers: { 'PAYMENT-SIGNATURE': header } });
    expect(real.status).toBe(200);
    expect((await merchant()) - before).toBe(50_000n);
  });

  it.each(['cities=lisbon&cities=tokyo', 'cities[a]=lisbon', 'cities=atlantis', ''])('/bulk/forecasts?%s is a 400 invalid_cities before any payment', async (query) => {
    const url = `${demo.url}/bulk/forecasts?${query}`;
    const unpaid = await fetch(url);
    expect([unpaid.status, errorOf(await unpaid.json()).code]).toEqual([400, 'invalid_cities']);
    const before = await merchant();
    const paid = await uptoFetch(buyer())(url);
    expect([paid.status, errorOf(await paid.json()).code]).toEqual([400, 'invalid_cities']);
    expect(await merchant()).toBe(before);
  });

  it.each(['days=1&days=2', 'days=0', 'days=1e2', 'days=366'])('/weather/history/tokyo?%s is a 400 invalid_days before any payment (the price function checks it)', async (query) => {
    const res = await fetch(`${demo.url}/weather/history/tokyo?${query}`);
    expect([res.status, errorOf(await res.json()).code]).toEqual([400, 'invalid_days']);
  });

  it('input only the handler refuses (after verification) charges nothing and leaves the authorization unused', async () => {
    const header = await signPayment(buyer(), await challengeOf(`${demo.url}/weather/forecast/lisbon`), demo.devnet.chainId);
    const before = await merchant();
    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await fetch(`${demo.url}/weather/forecast/atlantis`, { headers: { 'PAYMENT-SIGNATURE': header } });
      expect([refused.status, errorOf(await refused.json()).code]).toEqual([404, 'unknown_city']);
      expect(refused.headers.get('payment-response')).toBeNull();
    }
    expect(await merchant()).toBe(before);
    const served = await fetch(`${demo.url}/weather/forecast/lisbon`, { headers: { 'PAYMENT-SIGNATURE': header } });
    expect(served.status).toBe(200);
    expect((await merchant()) - before).toBe(10_000n);
  });

  it('counts refused input as no payment failure', async () => {
    const text = await (await fetch(`${demo.url}/metrics`, { headers: { authorization: `Bearer ${demo.adminToken}` } })).text();
    const failures = parsePrometheus(text).filter((s) => s.name === 'x402_payments_failed_total');
    expect(failures.filter((s) => ['unknown_report', 'invalid_cities'].includes(s.labels.reason))).toEqual([]);
  });

  it('a sign-in with a Solana account is a 402 invalid_siwx_unsupported_chain, not a 500', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const address = encodeBase58(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
    const signer = { publicKey: address, signMessage: async (message: Uint8Array) => new Uint8Array(sign(null, message, privateKey)) };
    const url = `${demo.url}/reports/summary`;
    const now = Date.now();
    const info = {
      domain: new URL(url).host,
      uri: url,
      version: '1',
      nonce: randomBytes(16).toString('hex'),
      issuedAt: new Date(now).toISOString(),
      expirationTime: new Date(now + 60_000).toISOString(),
      resources: [url],
      chainId: SOLANA_DEVNET,
      type: 'ed25519' as const,
    };
    const header = encodeSIWxHeader(await createSIWxPayload(info, signer, url));
    const res = await fetch(url, { headers: { 'SIGN-IN-WITH-X': header } });
    expect([res.status, errorOf(await res.json()).code]).toEqual([402, 'invalid_siwx_unsupported_chain']);
  });
});
