import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createPublicClient, HttpRequestError, TimeoutError } from 'viem';
import { rpcTransport } from './rpc-transport.js';

interface RpcCall {
  method: string;
  /** How many requests came before this one on the same connection. */
  onConnection: number;
}

/** A JSON-RPC node on a free port: `answer` decides per call; records the calls and the connections opened. */
async function node(answer: (call: RpcCall, res: ServerResponse, socket: Socket) => void) {
  const calls: RpcCall[] = [];
  const perSocket = new WeakMap<Socket, number>();
  let connections = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const onConnection = perSocket.get(req.socket) ?? 0;
      perSocket.set(req.socket, onConnection + 1);
      const call = { method: JSON.parse(body).method as string, onConnection };
      calls.push(call);
      answer(call, res, req.socket);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, calls, connections: () => connections };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const json = (res: ServerResponse, result: unknown) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result }));
};

describe('rpcTransport', () => {
  it('answers viem through one kept-alive connection', async () => {
    const rpc = await node((_call, res) => json(res, '0x2105'));
    const client = createPublicClient({ transport: rpcTransport(rpc.url, { retryCount: 0 }) });
    for (let i = 0; i < 5; i++) expect(await client.getChainId()).toBe(8453);
    expect(rpc.calls).toHaveLength(5);
    expect(rpc.connections()).toBe(1);
  });

  it("passes the node's JSON-RPC errors on as viem's", async () => {
    const rpc = await node((_call, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'nonce too low' } }));
    });
    const client = createPublicClient({ transport: rpcTransport(rpc.url, { retryCount: 0 }) });
    await expect(client.getChainId()).rejects.toThrow('nonce too low');
  });

  it('is a transport failure (HttpRequestError) when the node answers with an HTTP error', async () => {
    const rpc = await node((_call, res) => {
      res.statusCode = 502;
      res.end('bad gateway');
    });
    const client = createPublicClient({ transport: rpcTransport(rpc.url, { retryCount: 0 }) });
    const error = await client.getChainId().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as HttpRequestError).status).toBe(502);
  });

  it('is a transport failure when nothing listens', async () => {
    const rpc = await node((_call, res) => json(res, '0x1'));
    servers.pop()!.close();
    const client = createPublicClient({ transport: rpcTransport(rpc.url, { retryCount: 0 }) });
    await expect(client.getChainId()).rejects.toBeInstanceOf(HttpRequestError);
  });

  it('gives up after the timeout when the node never answers, and does not reuse that connection', async () => {
    const rpc = await node((call, res) => {
      if (call.onConnection === 0 && rpc.calls.length === 1) return; // the first call hangs
      json(res, '0x1');
    });
    const client = createPublicClient({ transport: rpcTransport(rpc.url, { retryCount: 0, timeout: 150 }) });
    await expect(client.getChainId()).rejects.toBeInstanceOf(TimeoutError);
    expect(await client.getChainId()).toBe(1);
    expect(rpc.connections()).toBe(2);
  });

  it('cuts off a response past 10 MB instead of buffering it', async () => {
    const rpc = await node((_call, res) => {
      res.setHeader('content-type', 'application/json');
      const chunk = Buffer.alloc(1 << 20, 0x20);
      for (let i = 0; i < 12; i++) res.write(chunk);
      res.end('{}');
    });
    const client = createPublicClient({ transport: rpcTransport(rpc.url, { retryCount: 0 }) });
    await expect(client.getChainId()).rejects.toThrow(/more than 10485760 bytes/);
  });

  it('sends a read again on a new connection when the node closed the kept-alive one as it was reused', async () => {
    const rpc = await node((call, res, socket) => (call.onConnection > 0 ? socket.destroy() : json(res, '0x1')));
    const client = createPublicClient({ transport: rpcTransport(rpc.url, { retryCount: 0 }) });
    expect(await client.getChainId()).toBe(1);
    expect(await client.getChainId()).toBe(1);
    expect(rpc.calls.map((c) => c.onConnection)).toEqual([0, 1, 0]);
  });

  it('never sends a transaction twice: a send cut off on a reused connection fails', async () => {
    const rpc = await node((call, res, socket) => (call.onConnection > 0 ? socket.destroy() : json(res, call.method === 'eth_chainId' ? '0x1' : `0x${'11'.repeat(32)}`)));
    const client = createPublicClient({ transport: rpcTransport(rpc.url, { retryCount: 0 }) });
    expect(await client.getChainId()).toBe(1);
    await expect(client.request({ method: 'eth_sendRawTransaction', params: ['0x02'] })).rejects.toBeInstanceOf(HttpRequestError);
    expect(rpc.calls.filter((c) => c.method === 'eth_sendRawTransaction')).toHaveLength(1);
  });
});
