import { createPublicClient, type PublicClient } from 'viem';
import { rpcTransport } from '../facilitator/rpc-transport.js';

/** One viem public client per network, made on first use from the configured JSON-RPC URLs. */
export class RpcClients {
  private readonly clients = new Map<string, PublicClient>();

  constructor(private readonly rpcUrls: Record<string, string>) {}

  /** True if an RPC URL is configured for `network`. */
  covers(network: string): boolean {
    return this.rpcUrls[network] !== undefined;
  }

  get(network: string): PublicClient {
    let client = this.clients.get(network);
    if (!client) {
      const url = this.rpcUrls[network];
      if (!url) throw new Error(`no RPC URL for ${network}`);
      client = createPublicClient({ transport: rpcTransport(url, { retryCount: 0, timeout: 10_000 }) });
      this.clients.set(network, client);
    }
    return client;
  }
}
