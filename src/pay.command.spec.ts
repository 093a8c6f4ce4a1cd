import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodePaymentSignatureHeader,
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
} from '@x402/core/http';
import type { Network, PaymentRequired } from '@x402/core/types';
import { getAddress, verifyTypedData, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { DEMO_BUYER_ADDRESS } from './buyer.js';
import type { CliIo } from './io.js';
import { main } from './main.js';

const ASSET = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const TX = `0x${'ab'.repeat(32)}`;

/** EIP-3009 TransferWithAuthorization, written out here so the test checks the client's signature independently. */
const TRANSFER_WITH_AUTHORIZATION = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const;

interface Authorization {
  from: Hex;
  to: Hex;
  value: string;
  validAfter: string;
  validBefore: string;
  nonce: Hex;
}

interface FakeServerOptions {
  amount?: string;
  /** x402 protocol version of the challenge: 2 (PAYMENT-REQUIRED header) or 1 (JSON body). */
  version?: 1 | 2;
  /** Reject every payment with this facilitator reason (after checking the signature). */
  rejectWith?: string;
}

/**
 * A tiny x402 seller: 402 + challenge without payment; with a payment it checks recipient, value and the
 * EIP-712 signature (chain 31337, or base-sepolia for v1) and answers 200 with a settlement header.
 */
async function startSeller(options: FakeServerOptions = {}) {
  const amount = options.amount ?? '10000';
  const version = options.version ?? 2;
  const seen = { requests: 0, signatures: 0, payer: undefined as string | undefined, problems: [] as string[], bodies: [] as string[], contentTypes: [] as (string | undefined)[] };
  let url = '';

  const challengeV2 = (error?: string): PaymentRequired => ({
    x402Version: 2,
    ...(error ? { error } : {}),
    resource: { url, description: 'paid test route', mimeType: 'application/json' },
    accepts: [
      { scheme: 'exact', network: 'eip155:31337', asset: ASSET, amount, payTo: PAY_TO, maxTimeoutSeconds: 60, extra: { name: 'USD Coin', version: '2' } },
    ],
  });
  const challengeV1 = () => ({
    x402Version: 1,
    error: 'X-PAYMENT header is required',
    accepts: [
      {
        scheme: 'exact', network: 'base-sepolia', maxAmountRequired: amount, resource: url, description: 'paid test route',
        mimeType: 'application/json', outputSchema: {}, payTo: PAY_TO, maxTimeoutSeconds: 60, asset: ASSET,
        extra: { name: 'USD Coin', version: '2' },
      },
    ],
  });

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    seen.requests++;
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.bodies.push(body);
    seen.contentTypes.push(req.headers['content-type']);

    const header = req.headers[version === 2 ? 'payment-signature' : 'x-payment'];
    if (typeof header !== 'string') {
      if (version === 1) return send(res, 402, challengeV1());
      return send(res, 402, { error: { code: 'payment_required', message: 'pay first' } }, {
        'PAYMENT-REQUIRED': encodePaymentRequiredHeader(challengeV2()),
      });
    }
    seen.signatures++;
    const payment = decodePaymentSignatureHeader(header);
    const { authorization, signature } = payment.payload as { authorization: Authorization; signature: Hex };
    if (getAddress(authorization.to) !== getAddress(PAY_TO)) seen.problems.push(`wrong recipient ${authorization.to}`);
    if (authorization.value !== amount) seen.problems.push(`wrong value ${authorization.value}`);
    const valid = await verifyTypedData({
      address: authorization.from,
      domain: { name: 'USD Coin', version: '2', chainId: version === 2 ? 31337 : 84532, verifyingContract: ASSET },
      types: TRANSFER_WITH_AUTHORIZATION,
      primaryType: 'TransferWithAuthorization',
      message: {
        from: authorization.from,
        to: authorization.to,
        value: BigInt(authorization.value),
        validAfter: BigInt(authorization.validAfter),
        validBefore: BigInt(authorization.validBefore),
        nonce: authorization.nonce,
      },
      signature,
    });
    if (!valid) seen.problems.push('bad signature');
    else seen.payer = getAddress(authorization.from);

    // v1 settlement responses carry v1 network names, which the v2 type does not admit
    const network = (version === 2 ? 'eip155:31337' : 'base-sepolia') as Network;
    const settlementHeader = version === 2 ? 'PAYMENT-RESPONSE' : 'X-PAYMENT-RESPONSE';
    if (options.rejectWith || seen.problems.length > 0) {
      const reason = options.rejectWith ?? seen.problems.join(', ');
      return send(res, 402, { error: { code: 'payment_verification_failed', message: reason } }, {
        'PAYMENT-REQUIRED': encodePaymentRequiredHeader(challengeV2(reason)),
        [settlementHeader]: encodePaymentResponseHeader({ success: false, errorReason: reason, transaction: '', network, payer: seen.payer }),
      });
    }
    return send(res, 200, { report: 'paid content', items: [1, 2] }, {
      [settlementHeader]: encodePaymentResponseHeader({ success: true, transaction: TX, network, payer: seen.payer }),
    });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      seen.problems.push(error.message);
      send(res, 500, { error: { code: 'test_server_error', message: error.message } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/paid`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { url, seen, close };
}

/** Runs the CLI in-process with captured output. */
async function cli(argv: string[], env: Record<string, string | undefined> = {}, extra: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env,
    fetch: globalThis.fetch,
    ...extra,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('x402 pay against an in-process x402 seller', () => {
  let seller: Awaited<ReturnType<typeof startSeller>> | undefined;
  afterEach(async () => {
    await seller?.close();
    seller = undefined;
  });

  it('pays a v2 challenge as the demo buyer and reports price, status, body and settlement', async () => {
    seller = await startSeller();
    const result = await cli(['pay', seller.url]);

    expect(result.code).toBe(0);
    expect(seller.seen.problems).toEqual([]);
    expect(seller.seen.signatures).toBe(1);
    expect(seller.seen.payer).toBe(DEMO_BUYER_ADDRESS);
    expect(result.stderr).toContain(`demo buyer ${DEMO_BUYER_ADDRESS}`);
    expect(result.stdout).toContain(`GET ${seller.url}`);
    expect(result.stdout).toContain(`$0.01 (10000 atomic units, 6 decimals) of ${ASSET} on eip155:31337`);
    expect(result.stdout).toContain('Status:  200 OK');
    expect(result.stdout).toContain('"report": "paid content"');
    expect(result.stdout).toContain(`transaction: ${TX}`);
    expect(result.stdout).toContain(`payer: ${DEMO_BUYER_ADDRESS}`);
  });

  it('pays with --key, sends --data as JSON with POST, and prints one JSON object with --json', async () => {
    seller = await startSeller();
    const key = generatePrivateKey();
    const account = privateKeyToAccount(key);
    const result = await cli(['pay', seller.url, '--key', key, '-d', '{"city":"Lisbon"}', '-H', 'X-Trace: 42', '--json']);

    expect(result.code).toBe(0);
    expect(seller.seen.payer).toBe(account.address);
    expect(result.stderr).not.toContain('demo buyer');
    expect(seller.seen.bodies).toEqual(['{"city":"Lisbon"}', '{"city":"Lisbon"}']);
    expect(seller.seen.contentTypes[1]).toBe('application/json');
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      status: 200,
      body: { report: 'paid content' },
      paymentResponse: { success: true, transaction: TX, network: 'eip155:31337', payer: account.address },
      paid: { amount: '10000', asset: ASSET, network: 'eip155:31337' },
    });
    expect(json.headers['payment-response']).toEqual(expect.any(String));
  });

  it('pays a price exactly equal to --max', async () => {
    seller = await startSeller({ amount: '10000' });
    const result = await cli(['pay', seller.url, '--max', '0.01']);
    expect(result.code).toBe(0);
    expect(seller.seen.signatures).toBe(1);
  });

  it('refuses a price above --max with exit code 3 and sends no signature', async () => {
    seller = await startSeller({ amount: '10001' });
    const result = await cli(['pay', seller.url, '--max', '0.01']);

    expect(result.code).toBe(3);
    expect(seller.seen.requests).toBe(1);
    expect(seller.seen.signatures).toBe(0);
    expect(result.stderr).toContain('refusing to pay');
    expect(result.stderr).toContain('$0.010001');
    expect(result.stderr).toContain('--max $0.01');
  });

  it('reports the decoded 402 error and settlement failure when the payment is rejected (exit 1)', async () => {
    seller = await startSeller({ rejectWith: 'insufficient_funds' });
    const result = await cli(['pay', seller.url]);

    expect(result.code).toBe(1);
    expect(seller.seen.signatures).toBe(1);
    expect(result.stdout).toContain('Status:  402');
    expect(result.stdout).toContain('Payment rejected:');
    expect(result.stdout).toContain('payment_verification_failed: insufficient_funds');
    expect(result.stdout).toContain('settlement failure: insufficient_funds');
  });

  it('pays a v1 challenge (JSON body, X-PAYMENT) on a v1 network name', async () => {
    seller = await startSeller({ version: 1 });
    const result = await cli(['pay', seller.url, '--json']);

    expect(seller.seen.problems).toEqual([]);
    expect(result.code).toBe(0);
    expect(seller.seen.payer).toBe(DEMO_BUYER_ADDRESS);
    expect(JSON.parse(result.stdout)).toMatchObject({
      paid: { amount: '10000', network: 'base-sepolia' },
      paymentResponse: { success: true, network: 'base-sepolia' },
    });
  });

  it('applies --max to v1 prices (maxAmountRequired) too', async () => {
    seller = await startSeller({ version: 1, amount: '2000000' });
    const result = await cli(['pay', seller.url]);
    expect(result.code).toBe(3);
    expect(seller.seen.signatures).toBe(0);
  });

  it('prints balances before and after with --rpc', async () => {
    seller = await startSeller();
    const balances = [5_000_000n, 4_990_000n];
    const reads: string[] = [];
    const result = await cli(['pay', seller.url, '--rpc', 'http://127.0.0.1:8545'], {}, {
      readBalance: async (rpc, asset, owner) => {
        reads.push(`${rpc} ${asset} ${owner}`);
        return balances.shift() ?? 0n;
      },
    });
    expect(result.code).toBe(0);
    expect(reads).toEqual(Array(2).fill(`http://127.0.0.1:8545/ ${ASSET} ${DEMO_BUYER_ADDRESS}`));
    expect(result.stdout).toContain(`Balance: 5 -> 4.99 (-0.01) of ${ASSET}`);
  });

  it('exits 4 with a one-line message when the server is unreachable', async () => {
    seller = await startSeller();
    const url = seller.url;
    await seller.close();
    seller = undefined;
    const result = await cli(['pay', url]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused/);
    expect(result.stderr).not.toContain('    at ');
  });
});

describe('x402 requirements', () => {
  it('prints the decoded challenge without paying', async () => {
    const seller = await startSeller({ amount: '250000' });
    try {
      const result = await cli(['requirements', seller.url]);
      expect(result.code).toBe(0);
      expect(seller.seen.signatures).toBe(0);
      expect(result.stdout).toContain(`GET ${seller.url} -> 402`);
      expect(result.stdout).toContain('network:           eip155:31337');
      expect(result.stdout).toContain('amount:            250000 = $0.25 at 6 decimals');
      expect(result.stdout).toContain(`payTo:             ${PAY_TO}`);
      expect(result.stdout).toContain('maxTimeoutSeconds: 60');

      const json = JSON.parse((await cli(['requirements', seller.url, '--json'])).stdout);
      expect(json.accepts).toEqual([expect.objectContaining({ scheme: 'exact', amount: '250000', usd: '$0.25', asset: ASSET, payTo: PAY_TO })]);
    } finally {
      await seller.close();
    }
  });
});


describe('x402 pay error reporting (stubbed fetch)', () => {
  const challenge = (accepts: PaymentRequired['accepts']) =>
    new Response(JSON.stringify({ error: { code: 'payment_required', message: 'pay first' } }), {
      status: 402,
      headers: { 'content-type': 'application/json', 'PAYMENT-REQUIRED': encodePaymentRequiredHeader({ x402Version: 2, resource: { url: 'http://seller/paid' }, accepts }) },
    });

  it('explains when no offered scheme/network can be paid (exit 1, nothing signed)', async () => {
    const sent: Request[] = [];
    const fetchStub: typeof fetch = async (input) => {
      sent.push(input as Request);
      return challenge([{ scheme: 'exact', network: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp', asset: 'EPjF', amount: '10', payTo: 'So1', maxTimeoutSeconds: 60, extra: {} }]);
    };
    const result = await cli(['pay', 'http://seller/paid'], {}, { fetch: fetchStub });
    expect(result.code).toBe(1);
    expect(sent).toHaveLength(1);
    expect(result.stderr).toContain('Offered: exact on solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp');
  });

  it('lets --max go above the x402 client\'s built-in $1 cap on a default asset (USDC on Base)', async () => {
    const usdc = { scheme: 'exact', network: 'eip155:8453' as const, asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', amount: '2000000', payTo: PAY_TO, maxTimeoutSeconds: 60, extra: { name: 'USD Coin', version: '2' } };
    let signatures = 0;
    const fetchStub: typeof fetch = async (input) => {
      if (!(input as Request).headers.has('PAYMENT-SIGNATURE')) return challenge([usdc]);
      signatures++;
      return new Response('{}', { status: 200, headers: { 'PAYMENT-RESPONSE': encodePaymentResponseHeader({ success: true, transaction: TX, network: 'eip155:8453' }) } });
    };
    expect((await cli(['pay', 'http://seller/paid', '--max', '5'], {}, { fetch: fetchStub })).code).toBe(0);
    expect(signatures).toBe(1);
    expect((await cli(['pay', 'http://seller/paid', '--max', '1.999999'], {}, { fetch: fetchStub })).code).toBe(3);
    expect(signatures).toBe(1);
  });

  it('reports a spending-cap refusal as a JSON error object with --json', async () => {
    const fetchStub: typeof fetch = async () =>
      challenge([{ scheme: 'exact', network: 'eip155:31337', asset: ASSET, amount: '1000001', payTo: PAY_TO, maxTimeoutSeconds: 60, extra: { name: 'USD Coin', version: '2' } }]);
    const result = await cli(['pay', 'http://seller/paid', '--json'], {}, { fetch: fetchStub });
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({ error: { kind: 'spending_cap', message: expect.stringContaining('above --max $1.00') } });
  });

  it('exits 2 on a bad X402_PRIVATE_KEY before sending anything', async () => {
    let calls = 0;
    const result = await cli(['pay', 'http://seller/paid'], { X402_PRIVATE_KEY: '0xdeadbeef' }, { fetch: async () => (calls++, new Response('')) });
    expect(result.code).toBe(2);
    expect(calls).toBe(0);
    expect(result.stderr).toContain('X402_PRIVATE_KEY');
    expect(result.stderr).not.toContain('deadbeef');
  });
});
