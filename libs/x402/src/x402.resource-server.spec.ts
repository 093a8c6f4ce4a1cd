import { Logger } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveX402Config } from './config/x402.config.js';
import { createFacilitatorClient } from './facilitator/facilitator.factory.js';
import { X402ResourceServerHost } from './x402.resource-server.js';

describe('X402ResourceServerHost with a remote facilitator', () => {
  let server: Server;
  let url: string;
  let kinds: Array<{ x402Version: number; scheme: string; network: string }>;
  let asked = 0;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = createServer((_req, res) => {
      asked++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kinds, extensions: [], signers: {} }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));

  it('asks for the supported kinds again once their TTL passed, and follows a change', async () => {
    kinds = [{ x402Version: 2, scheme: 'exact', network: 'eip155:84532' }];
    const config = resolveX402Config({
      networks: ['eip155:84532'],
      payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
      facilitator: { type: 'remote', url, supportedCacheTtlMs: 100 },
      settlement: { rpcUrls: { 'eip155:84532': 'http://127.0.0.1:1' } },
    });
    const host = new X402ResourceServerHost(config, createFacilitatorClient(config));
    await host.onModuleInit();
    try {
      expect(asked).toBe(1);
      expect(host.acceptsV1('eip155:84532')).toBe(false);

      kinds = [...kinds, { x402Version: 1, scheme: 'exact', network: 'base-sepolia' }];
      // The refresh runs in the background every TTL: wait for it (bounded), not for a fixed time a loaded machine may miss.
      const deadline = Date.now() + 10_000;
      while (!host.acceptsV1('eip155:84532') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(asked).toBeGreaterThanOrEqual(2);
      expect(host.acceptsV1('eip155:84532')).toBe(true);
      expect(await host.ready()).toBe(host.server);
    } finally {
      host.onModuleDestroy();
    }
  });
});
