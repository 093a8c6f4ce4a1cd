import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { FacilitatorResponseError, FacilitatorTimeoutError, VerifyError, type PaymentPayload, type PaymentRequirements } from '@x402/core/types';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { facilitatorFailure } from './facilitator-errors.js';
import { RemoteFacilitatorClient } from './remote-facilitator.client.js';

const SUPPORTED = { kinds: [{ x402Version: 2, scheme: 'exact', network: 'eip155:84532' }], extensions: [], signers: {} };
const REQUIREMENTS = { scheme: 'exact', network: 'eip155:84532', amount: '1', asset: '0x0', payTo: '0x0', maxTimeoutSeconds: 60, extra: {} } as PaymentRequirements;
const PAYLOAD = { x402Version: 2, accepted: REQUIREMENTS, payload: {} } as PaymentPayload;

describe('RemoteFacilitatorClient', () => {
  let server: Server;
  let url: string;
  let handler: (req: IncomingMessage, res: ServerResponse) => void;
  const seen: Array<{ path: string; authorization?: string }> = [];

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  beforeEach(() => {
    seen.length = 0;
    handler = (_req, res) => json(res, 200, SUPPORTED);
  });

  it('asks /supported once per TTL, for any number of concurrent callers, and again once it expired', async () => {
    // A TTL long enough that the six calls fall inside it even on a loaded machine.
    const client = new RemoteFacilitatorClient({ url, timeoutMs: 1000, supportedCacheTtlMs: 1500 });
    await Promise.all(Array.from({ length: 5 }, () => client.getSupported()));
    expect(await client.getSupported()).toEqual(SUPPORTED);
    expect(seen).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await client.getSupported();
    expect(seen).toHaveLength(2);
  });

  it('keeps the last answer while the facilitator is down, and throws when it never had one', async () => {
    const client = new RemoteFacilitatorClient({ url, timeoutMs: 1000, supportedCacheTtlMs: 1 });
    await client.getSupported();
    handler = (_req, res) => json(res, 503, { error: 'down' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await client.getSupported()).toEqual(SUPPORTED);
    await expect(new RemoteFacilitatorClient({ url, timeoutMs: 1000 }).getSupported()).rejects.toThrow(/503/);
  });

  it('sends the headers of createAuthHeaders for each path', async () => {
    const client = new RemoteFacilitatorClient({
      url,
      timeoutMs: 1000,
      createAuthHeaders: async () => ({ verify: { Authorization: 'Bearer v' }, settle: { Authorization: 'Bearer s' }, supported: { Authorization: 'Bearer l' } }),
    });
    await client.getSupported();
    handler = (_req, res) => json(res, 200, { isValid: true, payer: '0x1' });
    await client.verify(PAYLOAD, REQUIREMENTS);
    expect(seen).toEqual([
      { path: '/supported', authorization: 'Bearer l' },
      { path: '/verify', authorization: 'Bearer v' },
    ]);
  });

  it.each([
    ['a 500 with a non-protocol body', (res: ServerResponse) => (res.writeHead(500), res.end('<html>oops</html>')), FacilitatorResponseError, 502, 'facilitator_error'],
    ['a 401', (res: ServerResponse) => json(res, 401, { error: 'no key' }), FacilitatorResponseError, 502, 'facilitator_error'],
    ['a 500 with a protocol body', (res: ServerResponse) => json(res, 500, { isValid: false, invalidReason: 'unexpected_verify_error' }), VerifyError, 502, 'facilitator_error'],
    ['a 400 refusal', (res: ServerResponse) => json(res, 400, { isValid: false, invalidReason: 'invalid_exact_evm_signature' }), VerifyError, 402, 'invalid_exact_evm_signature'],
    ['an answer that never comes', () => undefined, FacilitatorTimeoutError, 504, 'facilitator_timeout'],
  ] as const)('reports %s from /verify as a stable failure (%#)', async (_, answer, type, status, code) => {
    handler = (_req, res) => answer(res);
    const client = new RemoteFacilitatorClient({ url, timeoutMs: 200 });
    const error = await client.verify(PAYLOAD, REQUIREMENTS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    const failure = facilitatorFailure(error, 'verify');
    expect([failure.getStatus(), failure.code]).toEqual([status, code]);
  });

  it('reports an unreachable facilitator as 503 facilitator_unavailable', async () => {
    const client = new RemoteFacilitatorClient({ url: 'http://127.0.0.1:1', timeoutMs: 1000 });
    const failure = facilitatorFailure(await client.settle(PAYLOAD, REQUIREMENTS).catch((e: unknown) => e), 'settle');
    expect([failure.getStatus(), failure.code]).toEqual([503, 'facilitator_unavailable']);
  });

  it('stops reading an answer past maxResponseBytes (streamed, no Content-Length): 502 facilitator_response_too_large', async () => {
    let sent = 0;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const pump = () => {
        while (sent < 200 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.write('{"isValid":true,"pad":"');
      pump();
    };
    const client = new RemoteFacilitatorClient({ url, timeoutMs: 5000 });
    const failure = facilitatorFailure(await client.verify(PAYLOAD, REQUIREMENTS).catch((e: unknown) => e), 'verify');
    expect([failure.getStatus(), failure.code]).toEqual([502, 'facilitator_response_too_large']);
    expect(sent).toBeLessThan(32 * 1024 * 1024); // aborted: what the socket buffers, not 200 MB
  });

  it('refuses an answer whose Content-Length is over the limit without reading it', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1024 * 1024) });
      res.write('{');
    };
    const client = new RemoteFacilitatorClient({ url, timeoutMs: 5000, maxResponseBytes: 1024 });
    const error = await client.settle(PAYLOAD, REQUIREMENTS).catch((e: unknown) => e);
    expect(facilitatorFailure(error, 'settle').code).toBe('facilitator_response_too_large');
  });

  it('bounds and escapes a reason that is not a code (20 KB, with line breaks)', async () => {
    const long = `bad\nFORGED LOG LINE ${'x'.repeat(20_000)}`;
    handler = (_req, res) => json(res, 200, { isValid: false, invalidReason: long, invalidMessage: long });
    const client = new RemoteFacilitatorClient({ url, timeoutMs: 1000 });
    const answer = await client.verify(PAYLOAD, REQUIREMENTS);
    expect(answer.invalidReason!.length).toBeLessThanOrEqual(129);
    expect(answer.invalidReason).not.toContain('\n');
    expect(answer.invalidMessage!.length).toBeLessThanOrEqual(301);
    handler = (_req, res) => json(res, 200, { isValid: false, invalidReason: 'invalid_exact_evm_payload_signature' });
    expect((await client.verify(PAYLOAD, REQUIREMENTS)).invalidReason).toBe('invalid_exact_evm_payload_signature');
  });

  it('warns once at construction when the URL is plain http to another host', () => {
    const warnings: string[] = [];
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    try {
      new RemoteFacilitatorClient({ url: 'http://user:secret@facilitator.example.com/x402', timeoutMs: 1000 });
      new RemoteFacilitatorClient({ url: 'http://127.0.0.1:4020', timeoutMs: 1000 });
      new RemoteFacilitatorClient({ url: 'http://localhost:4020', timeoutMs: 1000 });
      new RemoteFacilitatorClient({ url: 'https://facilitator.example.com', timeoutMs: 1000 });
    } finally {
      warn.mockRestore();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/plain http/);
    expect(warnings[0]).not.toContain('secret');
  });
});
