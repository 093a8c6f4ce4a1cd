import { resolveX402Config } from '../../../libs/x402/src/config/x402.config.js';
import { DEVNET_NETWORK, DemoConfigError, loadDemoConfig } from './demo.config.js';
import { toX402Options } from './x402-options.js';

function variableOf(env: Record<string, string>): string {
  try {
    loadDemoConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(DemoConfigError);
    return (error as DemoConfigError).variable;
  }
  throw new Error('expected a configuration error');
}

const KEY = `0x${'ab'.repeat(32)}`;
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

describe('loadDemoConfig', () => {
  it('starts the embedded devnet when nothing is configured', () => {
    expect(loadDemoConfig({})).toEqual(expect.objectContaining({ port: 3000, network: DEVNET_NETWORK, embeddedDevnet: true }));
  });

  it('uses a remote facilitator on Base Sepolia with the known USDC, and reads the chain for its uncertain settlements', () => {
    const env = { X402_NETWORK: 'eip155:84532', X402_PAY_TO: PAY_TO, X402_FACILITATOR_URL: 'https://facilitator.example.com', X402_RPC_URL: 'https://sepolia.base.org', PORT: '8080' };
    const config = loadDemoConfig(env);
    expect(config).toEqual(expect.objectContaining({ port: 8080, embeddedDevnet: false, facilitatorUrl: 'https://facilitator.example.com', asset: undefined }));
    const options = toX402Options(config);
    expect(options.facilitator).toEqual({ type: 'remote', url: 'https://facilitator.example.com' });
    expect(options.settlement?.rpcUrls).toEqual({ 'eip155:84532': 'https://sepolia.base.org' });
    expect(() => resolveX402Config(options)).not.toThrow();
    // without X402_RPC_URL a remote facilitator's timeout or 5xx could not be reconciled
    const { X402_RPC_URL: _, ...withoutRpc } = env;
    expect(variableOf(withoutRpc)).toBe('X402_RPC_URL');
  });

  it('uses a local facilitator with a key and an RPC', () => {
    const config = loadDemoConfig({ X402_NETWORK: 'eip155:84532', X402_PAY_TO: PAY_TO, X402_FACILITATOR_PRIVATE_KEY: KEY, X402_RPC_URL: 'http://127.0.0.1:8545' });
    expect(config).toEqual(expect.objectContaining({ facilitatorPrivateKey: KEY, rpcUrl: 'http://127.0.0.1:8545' }));
  });

  it('takes a custom asset', () => {
    const config = loadDemoConfig({ X402_ASSET: PAY_TO, X402_ASSET_NAME: 'Test', X402_ASSET_VERSION: '1', X402_ASSET_DECIMALS: '18' });
    expect(config.asset).toEqual({ address: PAY_TO, name: 'Test', version: '1', decimals: 18 });
  });

  it('sends payment events to X402_WEBHOOK_URL, signed with X402_WEBHOOK_SECRET', () => {
    expect(loadDemoConfig({}).webhook).toBeUndefined();
    const config = loadDemoConfig({ X402_WEBHOOK_URL: 'https://shop.example/x402', X402_WEBHOOK_SECRET: 'whsec_0123456789abcdef' });
    expect(config.webhook).toEqual({ url: 'https://shop.example/x402', secret: 'whsec_0123456789abcdef' });
  });

  it.each([
    [{ X402_WEBHOOK_URL: 'https://shop.example/x402' }, 'X402_WEBHOOK_SECRET'],
    [{ X402_WEBHOOK_SECRET: 'whsec_0123456789abcdef' }, 'X402_WEBHOOK_URL'],
    [{ X402_WEBHOOK_URL: 'ftp://shop.example/x402', X402_WEBHOOK_SECRET: 'whsec_0123456789abcdef' }, 'X402_WEBHOOK_URL'],
    [{ X402_WEBHOOK_URL: 'https://shop.example/x402', X402_WEBHOOK_SECRET: 'short' }, 'X402_WEBHOOK_SECRET'],
  ])('refuses an incomplete webhook configuration %j (names %s, never echoes the secret)', (env, variable) => {
    expect(variableOf(env)).toBe(variable);
    try {
      loadDemoConfig(env);
    } catch (error) {
      expect((error as Error).message).not.toContain('whsec_');
      expect((error as Error).message).not.toContain('short');
    }
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ X402_NETWORK: 'base-sepolia' }, 'X402_NETWORK'],
    [{ X402_RPC_URL: 'localhost:8545' }, 'X402_RPC_URL'],
    [{ X402_NETWORK: 'eip155:84532' }, 'X402_PAY_TO'],
    [{ X402_NETWORK: 'eip155:84532', X402_PAY_TO: PAY_TO }, 'X402_FACILITATOR_URL'],
    [{ X402_NETWORK: 'eip155:84532', X402_PAY_TO: 'nope', X402_FACILITATOR_URL: 'https://f.example.com' }, 'X402_PAY_TO'],
    [{ X402_NETWORK: 'eip155:84532', X402_PAY_TO: PAY_TO, X402_FACILITATOR_URL: 'https://f.example.com' }, 'X402_RPC_URL'],
    [{ X402_NETWORK: 'eip155:84532', X402_PAY_TO: PAY_TO, X402_FACILITATOR_PRIVATE_KEY: KEY }, 'X402_RPC_URL'],
    [{ X402_FACILITATOR_PRIVATE_KEY: '0x1234' }, 'X402_FACILITATOR_PRIVATE_KEY'],
    [{ X402_FACILITATOR_PRIVATE_KEY: KEY, X402_FACILITATOR_URL: 'https://f.example.com' }, 'X402_FACILITATOR_URL'],
    [{ X402_FACILITATOR_URL: 'ftp://f.example.com' }, 'X402_FACILITATOR_URL'],
    [{ X402_ASSET: '0x12' }, 'X402_ASSET'],
    [{ X402_ASSET: PAY_TO }, 'X402_ASSET_NAME'],
    [{ X402_ASSET: PAY_TO, X402_ASSET_NAME: 'Test' }, 'X402_ASSET_VERSION'],
    [{ X402_ASSET: PAY_TO, X402_ASSET_NAME: 'Test', X402_ASSET_VERSION: '1', X402_ASSET_DECIMALS: 'six' }, 'X402_ASSET_DECIMALS'],
    [{ X402_ASSET_NAME: 'Test' }, 'X402_ASSET_NAME'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL'],
    [{ X402_PUBLIC_URL: 'example.com' }, 'X402_PUBLIC_URL'],
    [{ X402_RPC_URL: 'http://127.0.0.1:8545' }, 'X402_PAY_TO'],
  ])('names the bad variable (%#: %j)', (env, variable) => {
    expect(variableOf(env)).toBe(variable);
  });

  it('never echoes a malformed private key', () => {
    expect(() => loadDemoConfig({ X402_FACILITATOR_PRIVATE_KEY: '0xsecretsecret' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secretsecret') }));
  });
});
