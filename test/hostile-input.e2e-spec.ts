import { jest } from '@jest/globals';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import { authorizationTypes } from '@x402/evm';
import { createSIWxPayload, encodeSIWxHeader, SIGN_IN_WITH_X, type CompleteSIWxInfo } from '@x402/extensions/sign-in-with-x';
import { randomBytes } from 'node:crypto';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { Agent, request } from 'node:http';
import { X402ErrorCode } from '@nestjs-x402/core';
import { WeatherController } from '../apps/demo-api/src/weather/weather.controller.js';
import { ReportsController } from '../apps/demo-api/src/reports/reports.controller.js';
import { ADAPTERS, challengeOf, errorOf, payingFetch, signPayment, startDemo, v1PayingFetch, type DemoHarness } from './support/demo.harness.js';
import { fuzzCase, GENERATOR_NAMES, type FuzzCase, type FuzzPools, type SignInTemplate, type Template } from './support/fuzz.js';

const SEED = Number(process.env.X402_FUZZ_SEED ?? 402);
const CASES = Number(process.env.X402_FUZZ_CASES ?? 3000);
const CONCURRENCY = 8;
const KNOWN_CODES = new Set<string>(Object.values(X402ErrorCode));
/** Refusal reasons of the `@x402/evm` exact facilitator scheme, passed through as codes. */
const FACILITATOR_REASON = /^invalid_exact_evm_[a-z0-9_]+$|^invalid_(scheme|network)$|^unsupported_scheme$/;
/** Refusals of a sign-in (sign-in-with-x), from this module and `@x402/extensions`. */
const SIGN_IN_REFUSAL = /^invalid_siwx_[a-z0-9_]+$|^no_paid_access$/;
/** The paid report the sign-ins are for, and the ones its payer did not pay. */
const PAID_REPORT = '/reports/heat-2026';
const UNPAID_REPORTS = ['/reports/rain-monthly', '/reports/summary'];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  raw: string;
}

function send(agent: Agent, url: URL, headers: FuzzCase['headers']): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'GET', headers }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (raw += chunk));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, raw });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Spies on a route handler, keeping the metadata Nest and the x402 module read from the method (route, price). */
function spyOnHandler(prototype: object, key: string) {
  const methods = prototype as Record<string, (...args: unknown[]) => unknown>;
  const original = methods[key];
  const spy = jest.spyOn(methods, key);
  for (const metadataKey of Reflect.getMetadataKeys(original)) Reflect.defineMetadata(metadataKey, Reflect.getMetadata(metadataKey, original), spy);
  return spy;
}

/**
 * Thousands of malformed, tampered and oversized payment headers (both header names), and Host /
 * X-Forwarded-* headers smuggling paths, queries and other hosts, at a priced route: every answer
 * is a 4xx with a stable JSON code, every challenge names the requested resource, nothing is
 * charged, the handler never runs, the process stays up, and a valid payment still goes through
 * afterwards. Seeded: a failure names its case, and `X402_FUZZ_SEED` / `X402_FUZZ_CASES` replay
 * or widen the run.
 */
describe.each(ADAPTERS)(`hostile payment headers (anvil chain 84532, %s, seed ${SEED}, ${CASES} cases)`, (adapter) => {
  let demo: DemoHarness;
  let templates: Template[];
  const forecast = spyOnHandler(WeatherController.prototype, 'forecast');
  const report = spyOnHandler(ReportsController.prototype, 'report');
  const summary = spyOnHandler(ReportsController.prototype, 'summary');
  let pools: FuzzPools;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    demo = await startDemo({ chainId: 84532 }, {}, { adapter });
    const accepted = await challengeOf(`${demo.url}/weather/forecast/lisbon`);
    templates = await Promise.all(
      Array.from({ length: 24 }, async () => {
        const v2 = JSON.parse(Buffer.from(await signPayment(demo.devnet.accounts.buyer.account, accepted, demo.devnet.chainId), 'base64').toString());
        return { v2, v1: { x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload: v2.payload } };
      }),
    );
    // Settled payments (served once, with an idempotency id), for forged replays: each also signed by a stranger.
    const buyer = demo.devnet.accounts.buyer.account;
    const stranger = privateKeyToAccount(generatePrivateKey());
    for (let i = 0; i < 4; i++) {
      const header = await signPayment(buyer, accepted, demo.devnet.chainId);
      const idempotencyKey = randomBytes(24).toString('base64url');
      const paid = await fetch(`${demo.url}/weather/forecast/lisbon`, { headers: { 'PAYMENT-SIGNATURE': header, 'Idempotency-Key': idempotencyKey } });
      expect(paid.status).toBe(200);
      await paid.arrayBuffer();
      const v2 = JSON.parse(Buffer.from(header, 'base64').toString());
      const a = v2.payload.authorization;
      const foreignSignature = await stranger.signTypedData({
        domain: { name: accepted.extra.name as string, version: accepted.extra.version as string, chainId: demo.devnet.chainId, verifyingContract: accepted.asset as `0x${string}` },
        types: authorizationTypes,
        primaryType: 'TransferWithAuthorization',
        message: { ...a, value: BigInt(a.value), validAfter: BigInt(a.validAfter), validBefore: BigInt(a.validBefore) },
      });
      templates.push({ v2, v1: { x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload: v2.payload }, settled: true, idempotencyKey, foreignSignature });
    }
    // The buyer pays one report (an hour of access) and signs in for it: each sign-in on a nonce the server issued.
    expect((await payingFetch(buyer)(`${demo.url}${PAID_REPORT}`)).status).toBe(200);
    const signIns: SignInTemplate[] = [];
    for (let i = 0; i < 24; i++) {
      const res = await fetch(`${demo.url}${PAID_REPORT}`);
      await res.arrayBuffer();
      const declaration = decodePaymentRequiredHeader(res.headers.get('payment-required')!).extensions![SIGN_IN_WITH_X] as { info: CompleteSIWxInfo; supportedChains: { chainId: string }[] };
      const info = { ...declaration.info, chainId: declaration.supportedChains[0].chainId, type: 'eip191' } as CompleteSIWxInfo;
      // a third of them phished: the same nonce, signed for another domain
      const signed = i % 3 === 2 ? { ...info, domain: 'evil.example', uri: `http://evil.example${PAID_REPORT}` } : info;
      signIns.push({ header: encodeSIWxHeader(await createSIWxPayload(signed, buyer, signed.uri)), domain: signed.domain });
    }
    pools = { signIns, unpaidPaths: UNPAID_REPORTS, paidPath: PAID_REPORT };
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await demo?.close();
  });
  beforeEach(() => {
    forecast.mockClear();
    report.mockClear();
    summary.mockClear();
  });

  it('answers every case with a 4xx and a stable code; charges nothing; never runs the handler', async () => {
    const payTo = demo.devnet.accounts.payTo.address;
    const before = await demo.devnet.balanceOf(payTo);
    const url = new URL(`${demo.url}/weather/forecast/lisbon`);
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    const codes = new Map<string, number>();
    const started = performance.now();

    let next = 0;
    const worker = async () => {
      for (let index = next++; index < CASES; index = next++) {
        const fuzz = fuzzCase(SEED, index, templates, pools);
        const target = fuzz.path ? new URL(fuzz.path, url) : url;
        kinds.set(fuzz.generator, (kinds.get(fuzz.generator) ?? 0) + 1);
        let answer: Answer;
        try {
          answer = await send(agent, target, fuzz.headers);
        } catch (error) {
          failures.push(`#${index} ${fuzz.kind}: request failed: ${(error as Error).message}`);
          continue;
        }
        const { code, message } = errorOf(answer.body);
        codes.set(`${answer.status} ${code}`, (codes.get(`${answer.status} ${code}`) ?? 0) + 1);
        const stable = code !== undefined && (KNOWN_CODES.has(code) || FACILITATOR_REASON.test(code) || SIGN_IN_REFUSAL.test(code));
        if (answer.status < 400 || answer.status > 499 || !stable || typeof message !== 'string') {
          const sent = JSON.stringify(fuzz.headers).slice(0, 300);
          failures.push(`#${index} ${fuzz.kind}: ${answer.status} ${answer.raw.slice(0, 300)}\n  sent ${sent}`);
        }
        // a challenge names this resource, whatever Host or X-Forwarded-* the case sent
        const required = answer.headers['payment-required'];
        if (typeof required === 'string') {
          const resource = decodePaymentRequiredHeader(required).resource.url;
          const parsed = URL.canParse(resource) ? new URL(resource) : undefined;
          if (parsed?.pathname !== target.pathname || parsed.search !== target.search || parsed.username !== '' || parsed.protocol !== 'http:') {
            failures.push(`#${index} ${fuzz.kind}: challenge for ${resource}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    agent.destroy();
    const seconds = (performance.now() - started) / 1000;
    if (process.env.X402_TEST_VERBOSE) console.log({ adapter, seconds, kinds: Object.fromEntries(kinds), codes: Object.fromEntries(codes) });

    expect(failures.slice(0, 10)).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(forecast).not.toHaveBeenCalled(); // no forged replay and no junk reached the paid handler
    expect(report).not.toHaveBeenCalled(); // no smuggled sign-in opened a report its payer did not pay
    expect(summary).not.toHaveBeenCalled();
    expect(await demo.devnet.balanceOf(payTo)).toBe(before);
    expect([...kinds.keys()].sort()).toEqual([...GENERATOR_NAMES].sort()); // every generator ran
    // No assertion on the time taken (a shared 2-core machine): X402_TEST_VERBOSE prints it.
  }, 240_000);

  it('still takes a valid payment afterwards, v2 and v1, each charged once', async () => {
    const payTo = demo.devnet.accounts.payTo.address;
    const before = await demo.devnet.balanceOf(payTo);
    const v2 = await payingFetch(demo.devnet.accounts.buyer.account)(`${demo.url}/weather/forecast/lisbon`);
    expect(v2.status).toBe(200);
    expect(decodePaymentResponseHeader(v2.headers.get('payment-response')!).success).toBe(true);
    const v1 = await v1PayingFetch(demo.devnet.accounts.buyer.account)(`${demo.url}/weather/forecast/lisbon`);
    expect(v1.status).toBe(200);
    expect(forecast).toHaveBeenCalledTimes(2);
    expect((await demo.devnet.balanceOf(payTo)) - before).toBe(20_000n);
  });
});
