import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a lying facilitator answers to one call: JSON (optionally after forwarding it for real), or a body of `stream` bytes. */
export type Lie =
  | { status?: number; json: (request: any, forwarded?: any) => unknown; forward?: boolean }
  | { stream: number };

/**
 * A facilitator that lies: it forwards to a real facilitator service (`target`) except for the endpoints given a
 * lie, which it answers itself (after forwarding, when `forward` is set: the settlement happens, the answer is
 * made up). A streamed body is written with back-pressure, counting what actually left (`sent`).
 */
export interface LyingFacilitator {
  readonly url: string;
  target: string;
  lies: Partial<Record<'verify' | 'settle' | 'supported', Lie>>;
  /** Bytes of streamed bodies written so far. */
  sent: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function upstream(target: string, req: IncomingMessage, body: Buffer): Promise<{ status: number; body: Buffer; type: string }> {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
  const res = await fetch(`${target}${req.url}`, { method: req.method, headers, body: body.length ? new Uint8Array(body) : undefined });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') ?? 'application/json' };
}

export async function startLyingFacilitator(target = ''): Promise<LyingFacilitator> {
  const liar: Omit<LyingFacilitator, 'url' | 'close'> = { target, lies: {}, sent: 0 };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const endpoint = (req.url ?? '').replace(/^\/+|\?.*$/g, '') as keyof LyingFacilitator['lies'];
    const body = await readBody(req);
    const lie = liar.lies[endpoint];
    if (!lie) {
      const answer = await upstream(liar.target, req, body);
      res.writeHead(answer.status, { 'content-type': answer.type, 'content-length': answer.body.length });
      return void res.end(answer.body);
    }
    if ('stream' in lie) {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      let left = lie.stream;
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          left -= chunk.length;
          liar.sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.write('{"isValid":true,"pad":"');
      return pump();
    }
    const request = body.length ? JSON.parse(body.toString()) : undefined;
    const forwarded = lie.forward ? JSON.parse((await upstream(liar.target, req, body)).body.toString()) : undefined;
    const json = Buffer.from(JSON.stringify(lie.json(request, forwarded)));
    res.writeHead(lie.status ?? 200, { 'content-type': 'application/json', 'content-length': json.length });
    res.end(json);
  };
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(liar, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
