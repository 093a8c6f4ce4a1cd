import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { decodePaymentResponseHeader } from '@x402/core/http';
import { PaymentRequiredV1Schema } from '@x402/core/schemas';
import type { FacilitatorClient } from '@x402/core/server';
import { LocalFacilitatorClient } from '@nestjs-x402/core/local-facilitator';
import { startDevnet, type Devnet } from '@nestjs-x402/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADAPTERS, challengeOf, signPayment, startDemo, type DemoHarness } from './support/demo.harness.js';

/** Credentials an operator may put in an RPC URL: a query API key and a key as a path segment. */
const PATH_KEY = 'Zx9kQ4tLmN7pR2sV8wY1aB3cD5eF6gH0';
const QUERY_KEY = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';

/**
 * The real in-process facilitator on an RPC URL carrying credentials; once it has verified a
 * payment, its signer's gas is gone, so the settlement transaction fails inside viem, whose error
 * message names the RPC URL and the raw signed transaction.
 */
function gaslessFacilitator(devnet: Devnet, rpcUrl: string): FacilitatorClient {
  const local = new LocalFacilitatorClient({ privateKey: devnet.accounts.facilitator.privateKey, rpcUrls: { [devnet.network]: rpcUrl } });
  return {
    verify: async (payload, requirements) => {
      const result = await local.verify(payload, requirements);
      if (result.isValid) await devnet.publicClient.request({ method: 'anvil_setBalance' as never, params: [devnet.accounts.facilitator.address, '0x0'] as never });
      return result;
    },
    settle: (payload, requirements) => local.settle(payload, requirements),
    getSupported: () => local.getSupported(),
  };
}

/** The devnet's RPC behind any path and query, as a hosted RPC with the key in its URL. */
async function keyedRpc(devnet: Devnet): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const upstream = await fetch(devnet.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/${PATH_KEY}?apikey=${QUERY_KEY}`, server };
}

const asV1 = (v2Header: string) => {
  const { payload } = JSON.parse(Buffer.from(v2Header, 'base64').toString());
  return Buffer.from(JSON.stringify({ x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload })).toString('base64');
};

/**
 * A failed settlement tells the payer a fixed code, never the facilitator's free text: no RPC URL,
 * no credentials, no raw transaction in the 402 body, in X-PAYMENT-RESPONSE or in the logs; log
 * lines carry no line breaks from outside; a refused v1 payment gets a v1-shaped 402.
 */
describe.each(ADAPTERS)('no leaks when a v1 settlement fails (anvil chain 84532, %s)', (adapter) => {
  let demo: DemoHarness;
  const logged: string[] = [];
  let spies: Array<{ mockRestore(): void }> = [];
  let devnet: Devnet;
  let rpc: { url: string; server: Server };

  beforeAll(async () => {
    spies = (['log', 'warn', 'error', 'debug', 'verbose'] as const).map((level) =>
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' '))),
    );
    devnet = await startDevnet({ chainId: 84532 });
    rpc = await keyedRpc(devnet);
    demo = await startDemo({}, {}, { adapter, devnet, x402: (options) => ({ ...options, facilitator: { type: 'client', client: gaslessFacilitator(devnet, rpc.url) } }) });
  });
  afterAll(async () => {
    for (const spy of spies) spy.mockRestore();
    await demo?.close();
    await new Promise((resolve) => rpc?.server.close(resolve));
    await devnet?.stop();
  });

  it('answers 402 with a fixed code and a v1 body, and logs the failure without credentials', async () => {
    const route = `${demo.url}/weather/forecast/lisbon`;
    const header = asV1(await signPayment(demo.devnet.accounts.buyer.account, await challengeOf(route), demo.devnet.chainId));
    logged.length = 0;
    const res = await fetch(route, { headers: { 'X-PAYMENT': header } });
    const text = await res.text();
    const settlement = res.headers.get('x-payment-response');
    const everything = [text, settlement ? JSON.stringify(decodePaymentResponseHeader(settlement)) : '', ...logged].join('\n');
    if (process.env.X402_TEST_VERBOSE) console.log(res.status, text, settlement && decodePaymentResponseHeader(settlement), logged);

    expect(res.status).toBe(402);
    for (const secret of [PATH_KEY, QUERY_KEY, '0x02f8']) expect(everything).not.toContain(secret);
    const answer = everything.slice(0, everything.length - logged.join('\n').length);
    expect(answer).not.toContain(new URL(rpc.url).host); // the payer is not told where the RPC is
    // the operator is told why (the facilitator's gas), in a bounded line; a URL in it would come without its key
    expect(logged.join('\n')).toContain('exceeds the balance of the account');
    expect(everything).not.toMatch(/0x[0-9a-f]{300,}/i); // no raw transaction or calldata
    const body = JSON.parse(text);
    expect(body.error).toMatch(/^[a-z0-9_]{1,64}$/);
    expect(decodePaymentResponseHeader(settlement!).errorReason).toMatch(/^[a-z0-9_]{1,64}$/);
    expect(PaymentRequiredV1Schema.safeParse(body).success).toBe(true);
    expect(body.x402Version).toBe(1);
    for (const line of logged) expect(line).not.toMatch(/[\r\n]/);
    await devnet.publicClient.request({ method: 'anvil_setBalance' as never, params: [devnet.accounts.facilitator.address, '0x3635C9ADC5DEA00000'] as never });
  });
});
