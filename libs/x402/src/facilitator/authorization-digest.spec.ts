import { authorizationTypes } from '@x402/evm';
import { randomBytes } from 'node:crypto';
import { getAddress, hashTypedData, type Hex } from 'viem';
import { transferAuthorizationDigest, type TransferAuthorization } from './authorization-digest.js';

const hex = (bytes: number) => `0x${randomBytes(bytes).toString('hex')}` as Hex;
const viemDigest = (domain: Record<string, unknown>, message: TransferAuthorization) =>
  hashTypedData({ domain, types: authorizationTypes, primaryType: 'TransferWithAuthorization', message } as never);

describe('transferAuthorizationDigest', () => {
  it("equals viem's hashTypedData on 300 random payments (checksummed and lowercase addresses, edge amounts, several domains)", () => {
    const edges = [0n, 1n, 10_000n, 2n ** 255n, 2n ** 256n - 1n];
    for (let i = 0; i < 300; i++) {
      const address = (lower: boolean) => (lower ? hex(20) : getAddress(hex(20)));
      const domain = { name: ['USD Coin', 'USDC', 'Token ünïcode', ''][i % 4], version: ['2', '1', ''][i % 3], chainId: [8453, 84532, 31337, 1][i % 4], verifyingContract: address(i % 2 === 0) };
      const message = {
        from: address(i % 3 === 0),
        to: address(i % 5 === 0),
        value: i < edges.length ? edges[i] : BigInt(hex(8)),
        validAfter: BigInt(i),
        validBefore: BigInt(hex(4)),
        nonce: i % 7 === 0 ? (hex(32).toUpperCase().replace('0X', '0x') as Hex) : hex(32),
      };
      expect(transferAuthorizationDigest(domain, message)).toBe(viemDigest(domain, message));
    }
  });

  it('leaves to viem whatever is not the plain case, which viem then refuses or hashes itself', () => {
    const domain = { name: 'USD Coin', version: '2', chainId: 8453, verifyingContract: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' };
    const message = { from: getAddress(hex(20)), to: getAddress(hex(20)), value: 1n, validAfter: 0n, validBefore: 9n, nonce: hex(32) };
    const wrongChecksum = `0x${message.from.slice(2).replace(/[a-fA-F]/, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))}`;
    const refused: [Record<string, unknown>, TransferAuthorization][] = [
      [domain, { ...message, from: wrongChecksum }],
      [domain, { ...message, value: -1n }],
      [domain, { ...message, value: 2n ** 256n }],
      [domain, { ...message, nonce: hex(31) }],
      [{ ...domain, verifyingContract: '0x1234' }, message],
    ];
    for (const [d, m] of refused) {
      expect(transferAuthorizationDigest(d, m)).toBeUndefined();
      expect(() => viemDigest(d, m)).toThrow();
    }
    // other shapes are viem's to hash: not guessed at here
    const other: [Record<string, unknown>, TransferAuthorization][] = [
      [{ ...domain, salt: hex(32) }, message],
      [{ name: 'USD Coin', chainId: 8453, verifyingContract: domain.verifyingContract }, message],
      [{ ...domain, chainId: 8453n }, message],
      [domain, { ...message, value: 1 }],
      [domain, { ...message, nonce: `0x${'zz'.repeat(32)}` }], // viem hashes it (and no signature will match)
    ];
    for (const [d, m] of other) expect(transferAuthorizationDigest(d, m)).toBeUndefined();
  });
});
