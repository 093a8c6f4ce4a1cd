import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { x402Facilitator } from '@x402/core/facilitator';
import { PaymentPayloadSchema, PaymentRequirementsSchema } from '@x402/core/schemas';
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types';
import { ExactEvmScheme } from '@x402/evm/exact/facilitator';
import { ExactEvmSchemeV1 } from '@x402/evm/exact/v1/facilitator';
import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createNonceManager, jsonRpc } from 'viem/nonce';
import { devnetChain } from './chain.js';
import { walletFacilitatorSigner } from './wallet-signer.js';

/** Options of {@link startFacilitatorServer}. */
export interface FacilitatorServerOptions {
  /** JSON-RPC URL of the chain it settles on. */
  readonly rpcUrl: string;
  readonly chainId: number;
  /** Key of the wallet that pays settlement gas. */
  readonly privateKey: Hex;
  /** Port; default (or 0) a free one. */
  readonly port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  readonly host?: string;
  /** When set, every request must carry `Authorization: <authorization>` (else 401), like a hosted facilitator's API key. */
  readonly authorization?: string;
  /** Also take x402 v1 payments under the chain's v1 name (`base-sepolia` for 84532), when it has one. Default true. */
  readonly v1?: boolean;
  /** Bound on each wait for a settlement receipt (ms). Default 30 000. */
  readonly confirmationTimeoutMs?: number;
}

/** A running facilitator service. */
export interface FacilitatorServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** CAIP-2 network it settles on (`eip155:84532`). */
  readonly network: `eip155:${number}`;
  /** The chain's x402 v1 name, if v1 payments are taken. */
  readonly v1Network?: string;
  /** Requests answered per endpoint (including refused ones). */
  readonly requests: { verify: number; settle: number; supported: number };
  /** Stops accepting requests and closes open connections. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new Error('request body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** `{ x402Version, paymentPayload, paymentRequirements }` of a verify or settle request, or why not. */
function parseRequest(body: unknown): { payload: PaymentPayload; requirements: PaymentRequirements } | string {
  if (!body || typeof body !== 'object') return 'the body must be { x402Version, paymentPayload, paymentRequirements }';
  const { paymentPayload, paymentRequirements } = body as Record<string, unknown>;
  const payload = PaymentPayloadSchema.safeParse(paymentPayload);
  if (!payload.success) return `paymentPayload is invalid: ${payload.error.issues[0]?.message}`;
  const requirements = PaymentRequirementsSchema.safeParse(paymentRequirements);
  if (!requirements.success) return `paymentRequirements is invalid: ${requirements.error.issues[0]?.message}`;
  return { payload: payload.data as PaymentPayload, requirements: requirements.data as PaymentRequirements };
}

/**
 * Starts an x402 facilitator service on the devnet, built from the reference libraries: an
 * `x402Facilitator` with the `@x402/evm` exact scheme (v2, and v1 under the chain's v1 name) and a
 * viem signer with its own nonce manager, served over HTTP as the facilitator API:
 * `GET /supported`, `POST /verify` and `POST /settle` with `{ x402Version, paymentPayload, paymentRequirements }`.
 * A refused payment is a 200 with `isValid: false` (or `success: false`); a malformed request a 400
 * with the same shape; an internal failure a 500 `{ error }`.
 *
 * @example
 * ```ts
 * const devnet = await startDevnet({ chainId: 84532 });
 * const facilitator = await startFacilitatorServer({ rpcUrl: devnet.rpcUrl, chainId: devnet.chainId, privateKey: devnet.accounts.facilitator.privateKey });
 * // X402Module.forRoot({ ..., facilitator: { type: 'remote', url: facilitator.url } })
 * await facilitator.close();
 * ```
 */
export async function startFacilitatorServer(options: FacilitatorServerOptions): Promise<FacilitatorServer> {
  const chain = devnetChain(options.chainId, options.rpcUrl);
  // A nonce manager of its own: the process-wide default would carry nonces over from an earlier chain with the same id.
  const account = privateKeyToAccount(options.privateKey, { nonceManager: createNonceManager({ source: jsonRpc() }) });
  const signer = walletFacilitatorSigner(account, chain, options.rpcUrl, { pollingIntervalMs: 50, confirmationTimeoutMs: options.confirmationTimeoutMs ?? 30_000 });

  const network = `eip155:${options.chainId}` as const;
  const facilitator = new x402Facilitator().register(network, new ExactEvmScheme(signer));
  const v1Network = options.v1 === false ? undefined : Object.entries(EVM_NETWORK_CHAIN_ID_MAP).find(([, id]) => id === options.chainId)?.[0];
  if (v1Network) facilitator.registerV1(v1Network as `${string}:${string}`, new ExactEvmSchemeV1(signer));

  const requests = { verify: 0, settle: 0, supported: 0 };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
    const endpoint = path === '/supported' ? 'supported' : path === '/verify' ? 'verify' : path === '/settle' ? 'settle' : undefined;
    if (!endpoint) return send(res, 404, { error: `no such endpoint: ${req.method} ${path}` });
    requests[endpoint]++;
    if (options.authorization !== undefined && req.headers.authorization !== options.authorization) {
      return send(res, 401, { error: 'missing or wrong Authorization header' });
    }
    if (endpoint === 'supported') {
      if (req.method !== 'GET') return send(res, 405, { error: 'use GET /supported' });
      return send(res, 200, facilitator.getSupported());
    }
    if (req.method !== 'POST') return send(res, 405, { error: `use POST /${endpoint}` });
    let parsed: ReturnType<typeof parseRequest>;
    try {
      parsed = parseRequest(await readJson(req));
    } catch (error) {
      parsed = (error as Error).message;
    }
    if (typeof parsed === 'string') {
      return endpoint === 'verify'
        ? send(res, 400, { isValid: false, invalidReason: 'invalid_request', invalidMessage: parsed })
        : send(res, 400, { success: false, errorReason: 'invalid_request', errorMessage: parsed, transaction: '', network });
    }
    const result = endpoint === 'verify' ? await facilitator.verify(parsed.payload, parsed.requirements) : await facilitator.settle(parsed.payload, parsed.requirements);
    send(res, 200, result);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) send(res, 500, { error: error.message });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;

  return {
    url: `http://${address}:${port}`,
    network,
    v1Network,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
