import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { http, type HttpTransportConfig } from 'viem';

// The JSON-RPC transport of everything the library asks the chain: viem's http transport, its requests sent
// through node:http with kept-alive connections instead of the global `fetch`.

/**
 * Idle connections are closed after this long, or sooner when the node says so (`Keep-Alive: timeout=N`): a
 * connection reused just as the node closes it fails the request.
 */
const IDLE_MS = 4_000;
/** The largest response read (viem's own default): a node answering without end is cut off, not buffered. */
const MAX_RESPONSE_BYTES = 10_485_760;

/** Per URL scheme: how a request is made, and the agent that keeps its connections. */
const clients = {
  'http:': { request: httpRequest, agent: new HttpAgent({ keepAlive: true, timeout: IDLE_MS, scheduling: 'lifo' }) },
  'https:': { request: httpsRequest, agent: new HttpsAgent({ keepAlive: true, timeout: IDLE_MS, scheduling: 'lifo' }) },
};

/** What viem reads of a response (`ok`, `status`, `headers.get`, `text()`), answered from node's; `headers` as a `Headers` reads. */
class RpcResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly body = null; // viem then reads `text()`
  readonly headers: { get(name: string): string | null; has(name: string): boolean; forEach(fn: (value: string, key: string) => void): void };

  constructor(message: IncomingMessage, private readonly bodyText: string) {
    this.status = message.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    this.statusText = message.statusMessage ?? '';
    const raw = message.headers;
    const value = (name: string) => {
      const v = raw[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    };
    this.headers = {
      get: value,
      has: (name) => value(name) !== null,
      forEach: (fn) => Object.keys(raw).forEach((key) => fn(value(key)!, key)),
    };
  }

  async text(): Promise<string> {
    return this.bodyText;
  }
}

interface RpcRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal | null;
}

/** One POST, its response read whole (up to {@link MAX_RESPONSE_BYTES}); aborted with `signal`. */
function post(url: URL, init: RpcRequestInit, retryOnStale: boolean): Promise<RpcResponse> {
  const client = clients[url.protocol as keyof typeof clients];
  if (!client) return Promise.reject(new TypeError(`unsupported RPC URL scheme ${url.protocol}`));
  const body = init.body ?? '';
  return new Promise<RpcResponse>((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: init.method ?? 'POST',
        agent: client.agent,
        headers: { ...init.headers, 'content-length': Buffer.byteLength(body) },
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) return request.destroy(new Error(`the RPC answered more than ${MAX_RESPONSE_BYTES} bytes`));
          chunks.push(chunk);
        });
        response.on('end', () => resolve(new RpcResponse(response, Buffer.concat(chunks).toString('utf8'))));
        response.on('error', reject);
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      // a kept-alive connection the node closed as it was reused: nothing of this request was read, so a read is sent again
      if (retryOnStale && request.reusedSocket && error.code === 'ECONNRESET') post(url, init, false).then(resolve, reject);
      else reject(error);
    });
    request.end(body);
  });
}

/** Transactions are never sent twice by the transport: whether the first one reached the node is unknown. */
const SENDS = /"eth_send/;

/**
 * viem's `fetchFn` over node:http(s). The global `fetch` (undici) costs ~0.5 ms of CPU per JSON-RPC call here
 * against ~0.1 ms for node:http, and a payment makes five or six of them.
 */
function rpcFetch(input: string | URL, init: RpcRequestInit = {}): Promise<RpcResponse> {
  return post(typeof input === 'string' ? new URL(input) : input, init, !SENDS.test(init.body ?? ''));
}

/**
 * viem's http transport for the chain's JSON-RPC URL, sent through {@link rpcFetch}.
 *
 * @example
 * const client = createPublicClient({ transport: rpcTransport(url, { retryCount: 0 }) });
 */
export function rpcTransport(url: string, config: Omit<HttpTransportConfig, 'fetchFn'> = {}) {
  return http(url, { ...config, fetchFn: rpcFetch as unknown as typeof fetch });
}
