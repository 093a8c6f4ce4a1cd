import { X402ConfigError } from '../x402.errors.js';
import type { X402ModuleOptions } from '../x402.options.js';
import { resolveX402Config } from './x402.config.js';

const RPC_URLS = { 'eip155:8453': 'https://base.example.com', 'eip155:84532': 'https://sepolia.base.example.com', 'eip155:31337': 'http://127.0.0.1:8545' };

const base: X402ModuleOptions = {
  networks: ['eip155:8453'],
  payTo: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
  facilitator: { type: 'remote', url: 'https://facilitator.example.com' },
  settlement: { rpcUrls: RPC_URLS },
};

function optionOf(options: unknown): string {
  try {
    resolveX402Config(options as X402ModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(X402ConfigError);
    return (error as X402ConfigError).option;
  }
  throw new Error('expected a configuration error');
}

describe('resolveX402Config', () => {
  it('fills in the known USDC of Base and Base Sepolia and checksums payTo', () => {
    const config = resolveX402Config({ ...base, networks: ['eip155:8453', 'eip155:84532'] });
    expect(config.accepted.map((a) => [a.network, a.asset.address, a.asset.name, a.asset.decimals])).toEqual([
      ['eip155:8453', '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', 'USD Coin', 6],
      ['eip155:84532', '0x036CbD53842c5426634e7929541eC2318f3dCF7e', 'USDC', 6],
    ]);
    expect(config.payTo).toBe('0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC');
    expect(config.maxTimeoutSeconds).toBe(300);
  });

  it('takes a custom asset for a network without a known USDC', () => {
    const config = resolveX402Config({
      ...base,
      networks: ['eip155:31337'],
      assets: { 'eip155:31337': { address: '0x5fbdb2315678afecb367f032d93f642f64180aa3', name: 'USD Coin', version: '2', decimals: 6 } },
    });
    expect(config.accepted[0].asset.address).toBe('0x5FbDB2315678afecb367f032d93F642f64180aa3');
  });

  it('refuses a remote facilitator without a JSON-RPC URL for each network, naming the missing one', () => {
    // a remote settle that times out or fails with 5xx may still land: only the chain can tell
    expect(optionOf({ ...base, settlement: undefined })).toBe('settlement.rpcUrls["eip155:8453"]');
    expect(optionOf({ ...base, networks: ['eip155:8453', 'eip155:84532'], settlement: { rpcUrls: { 'eip155:8453': RPC_URLS['eip155:8453'] } } })).toBe('settlement.rpcUrls["eip155:84532"]');
    expect(resolveX402Config(base).settlement.rpcUrls['eip155:8453']).toBe('https://base.example.com');
    // the local facilitator's own RPC serves for reconciliation
    const local = resolveX402Config({ ...base, settlement: undefined, facilitator: { type: 'local', privateKey: `0x${'1'.repeat(64)}`, rpcUrls: { 'eip155:8453': 'http://127.0.0.1:8545' } } });
    expect(local.settlement.rpcUrls).toEqual({ 'eip155:8453': 'http://127.0.0.1:8545' });
  });

  it('trims the public URL to origin and path', () => {
    expect(resolveX402Config({ ...base, publicUrl: 'https://api.example.com/v1/' }).publicUrl).toBe('https://api.example.com/v1');
  });

  it.each([
    [{ ...base, networks: [] }, 'networks'],
    [{ ...base, networks: ['base'] }, 'networks[0]'],
    [{ ...base, networks: ['eip155:8453', 'eip155:8453'] }, 'networks[1]'],
    [{ ...base, networks: ['eip155:31337'] }, 'assets["eip155:31337"]'],
    [{ ...base, assets: { 'eip155:8453': { address: 'nope', name: 'x', version: '1', decimals: 6 } } }, 'assets["eip155:8453"].address'],
    [{ ...base, assets: { 'eip155:8453': { address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', name: '', version: '1', decimals: 6 } } }, 'assets["eip155:8453"].name'],
    [{ ...base, assets: { 'eip155:8453': { address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', name: 'x', version: '1', decimals: 6.5 } } }, 'assets["eip155:8453"].decimals'],
    [{ ...base, assets: { 'eip155:1': { address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', name: 'x', version: '1', decimals: 6 } } }, 'assets["eip155:1"]'],
    [{ ...base, payTo: '0x123' }, 'payTo'],
    [{ ...base, facilitator: undefined }, 'facilitator'],
    [{ ...base, facilitator: { type: 'remote', url: 'not a url' } }, 'facilitator.url'],
    [{ ...base, facilitator: { type: 'remote', url: 'ftp://x' } }, 'facilitator.url'],
    [{ ...base, facilitator: { type: 'remote', url: 'https://x', timeoutMs: 0 } }, 'facilitator.timeoutMs'],
    [{ ...base, facilitator: { type: 'remote', url: 'https://x', supportedCacheTtlMs: -1 } }, 'facilitator.supportedCacheTtlMs'],
    [{ ...base, facilitator: { type: 'remote', url: 'https://x', createAuthHeaders: { verify: {} } } }, 'facilitator.createAuthHeaders'],
    [{ ...base, facilitator: { type: 'local', privateKey: '0x12', rpcUrls: {} } }, 'facilitator.privateKey'],
    [{ ...base, facilitator: { type: 'local', privateKey: `0x${'1'.repeat(64)}`, rpcUrls: {} } }, 'facilitator.rpcUrls["eip155:8453"]'],
    [{ ...base, facilitator: { type: 'other' } }, 'facilitator.type'],
    [{ ...base, facilitator: { type: 'client', client: {} } }, 'facilitator.client'],
    [{ ...base, publicUrl: 'api.example.com' }, 'publicUrl'],
    [{ ...base, maxTimeoutSeconds: -5 }, 'maxTimeoutSeconds'],
    [{ ...base, maxPaymentHeaderBytes: 1.5 }, 'maxPaymentHeaderBytes'],
  ])('names the bad option (%#: %s)', (options, option) => {
    expect(optionOf(options)).toBe(option);
  });

  it('never echoes a malformed private key', () => {
    const secret = `0x${'ab'.repeat(31)}zz`;
    expect(() => resolveX402Config({ ...base, facilitator: { type: 'local', privateKey: secret, rpcUrls: {} } })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });
});
