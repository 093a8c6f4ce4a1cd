import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with a request to one facilitator endpoint. */
export type Fault = 'pass' | 'hang' | 'reset' | 'done-then-500' | number;

/**
 * An HTTP proxy in front of a facilitator service that can misbehave per endpoint: forward
 * (`pass`), never answer (`hang`), drop the connection (`reset`) or answer with a status and a
 * non-protocol body (e.g. `500`). Requests it does not forward never reach the facilitator;
 * `done-then-500` forwards, lets the facilitator finish, and answers 500 anyway (a gateway that
 * fails after the work was done: the settlement landed, the server is told it failed).
 */
export interface FaultProxy {
  readonly url: string;
  /** Where requests are forwarded. */
  target: string;
  /** Behaviour per endpoint (`verify`, `settle`, `supported`); unset endpoints pass. */
  faults: Partial<Record<'verify' | 'settle' | 'supported', Fault>>;
  close(): Promise<void>;
}

async function forward(target: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
  const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
  const body = Buffer.from(await upstream.arrayBuffer());
  res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json', 'content-length': body.length });
  res.end(body);
}

export async function startFaultProxy(target = ''): Promise<FaultProxy> {
  const hanging = new Set<ServerResponse>();
  const proxy: Omit<FaultProxy, 'url' | 'close'> = { target, faults: {} };
  const server = createServer((req, res) => {
    const endpoint = (req.url ?? '').replace(/^\/+|\?.*$/g, '') as keyof FaultProxy['faults'];
    const fault = proxy.faults[endpoint] ?? 'pass';
    if (fault === 'hang') {
      hanging.add(res);
      return;
    }
    if (fault === 'reset') return void req.socket.destroy();
    if (fault === 'done-then-500') {
      const discard = { writeHead: () => discard, end: () => undefined } as unknown as ServerResponse;
      forward(proxy.target, req, discard)
        .catch(() => undefined)
        .finally(() => {
          res.writeHead(500, { 'content-type': 'text/html' });
          res.end('<html><body>Internal Server Error</body></html>');
        });
      return;
    }
    if (typeof fault === 'number') {
      res.writeHead(fault, { 'content-type': 'text/html' });
      return void res.end('<html><body>Internal Server Error</body></html>');
    }
    forward(proxy.target, req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
