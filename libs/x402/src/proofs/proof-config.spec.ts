import { resolveX402Config } from '../config/x402.config.js';
import type { X402ModuleOptions } from '../x402.options.js';

const client = { verify: async () => ({ isValid: true }), settle: async () => ({ success: true, transaction: '', network: 'eip155:8453' as const }), getSupported: async () => ({ kinds: [], extensions: [], signers: {} }) };

// A facilitator client of the app's own: no JSON-RPC URL is implied (a remote facilitator requires one per network).
const base: X402ModuleOptions = {
  networks: ['eip155:8453', 'eip155:84532'],
  payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  facilitator: { type: 'client', client },
};

describe('proofs options', () => {
  it('offers proofs on the networks with a JSON-RPC URL, one confirmation by default', () => {
    expect(resolveX402Config(base).proofs.confirmations).toEqual({});
    const config = resolveX402Config({ ...base, settlement: { rpcUrls: { 'eip155:8453': 'https://rpc.example.com' } }, proofs: { ttlSeconds: 600 } });
    expect(config.proofs).toEqual({ confirmations: { 'eip155:8453': 1 }, ttlSeconds: 600, retryAfterSeconds: 2, headCacheMs: 1000, secretGenerated: true });
  });

  it('signs references with proofs.secret, else X402_PROOF_SECRET, else a random key; the key is never serialised', () => {
    const secret = 's'.repeat(32);
    const given = resolveX402Config({ ...base, proofs: { secret } }).proofs;
    expect({ key: given.secret.toString(), generated: given.secretGenerated }).toEqual({ key: secret, generated: false });
    expect(JSON.stringify(given)).not.toContain(secret);
    const before = process.env.X402_PROOF_SECRET;
    process.env.X402_PROOF_SECRET = 'e'.repeat(40);
    try {
      expect(resolveX402Config(base).proofs.secret.toString()).toBe('e'.repeat(40));
    } finally {
      if (before === undefined) delete process.env.X402_PROOF_SECRET;
      else process.env.X402_PROOF_SECRET = before;
    }
    const one = resolveX402Config(base).proofs;
    expect(one.secret).toHaveLength(32);
    expect(one.secret.equals(resolveX402Config(base).proofs.secret)).toBe(false);
  });

  it('refuses a short secret without showing it', () => {
    expect(() => resolveX402Config({ ...base, proofs: { secret: 'hunter2' } })).toThrow(expect.objectContaining({ message: expect.stringMatching(/proofs\.secret.*32 characters/) }));
    expect(() => resolveX402Config({ ...base, proofs: { secret: 'hunter2' } })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });

  it('takes confirmations per network', () => {
    const config = resolveX402Config({ ...base, settlement: { rpcUrls: { 'eip155:8453': 'https://rpc.example.com' } }, proofs: { confirmations: { 'eip155:8453': 5 } } });
    expect(config.proofs.confirmations).toEqual({ 'eip155:8453': 5 });
  });

  it.each<[string, X402ModuleOptions['proofs'], RegExp]>([
    ['a network not accepted', { confirmations: { 'eip155:1': 2 } }, /proofs\.confirmations\["eip155:1"\].*not in networks/],
    ['a network without RPC', { confirmations: { 'eip155:84532': 2 } }, /proofs\.confirmations\["eip155:84532"\].*no JSON-RPC URL/],
    ['zero confirmations', { confirmations: { 'eip155:8453': 0 } }, /proofs\.confirmations\["eip155:8453"\]/],
    ['a too short quote lifetime', { ttlSeconds: 5 }, /proofs\.ttlSeconds/],
  ])('refuses %s at startup, naming the option', (_, proofs, message) => {
    expect(() => resolveX402Config({ ...base, settlement: { rpcUrls: { 'eip155:8453': 'https://rpc.example.com' } }, proofs })).toThrow(message);
  });
});
