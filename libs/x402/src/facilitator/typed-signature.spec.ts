import { authorizationTypes, verifyTypedDataSignature } from '@x402/evm';
import { hashTypedData, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { forgetProvenSignatures, nativeSecp256k1, recoverSigner, verifyTypedSignature, type TypedSignatureCheck } from './typed-signature.js';

const payer = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const other = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const domain = { name: 'USD Coin', version: '2', chainId: 8453, verifyingContract: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' as Hex };
const message = {
  from: payer.address,
  to: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as Hex,
  value: 10000n,
  validAfter: 0n,
  validBefore: 9999999999n,
  nonce: `0x${'ab'.repeat(32)}` as Hex,
};
const typed = (overrides: Partial<typeof message> = {}, domainOverrides: Partial<typeof domain> = {}) => ({
  domain: { ...domain, ...domainOverrides },
  types: authorizationTypes,
  primaryType: 'TransferWithAuthorization' as const,
  message: { ...message, ...overrides },
});
const hex = (n: bigint) => n.toString(16).padStart(64, '0');

/** The reference: `@x402/evm`'s check with a signer that reads no code at the payer (an EOA). */
const eoaSigner = { getCode: async () => '0x' } as never;
const reference = (check: TypedSignatureCheck) => verifyTypedDataSignature(eoaSigner, check as never);

describe('verifyTypedSignature agrees with @x402/evm on good and bad payments', () => {
  const corpus: [string, () => Promise<TypedSignatureCheck>][] = [];
  const signed = async (signer = payer, overrides: Partial<typeof message> = {}, domainOverrides: Partial<typeof domain> = {}) =>
    signer.signTypedData(typed(overrides, domainOverrides));
  const as = (signature: Hex, overrides: Partial<typeof message> = {}, domainOverrides: Partial<typeof domain> = {}, address: string = payer.address) => ({
    ...typed(overrides, domainOverrides),
    address,
    signature,
  });
  const withV = (signature: Hex, v: number) => `${signature.slice(0, 130)}${v.toString(16).padStart(2, '0')}` as Hex;
  const highS = (signature: Hex) => {
    const s = BigInt(`0x${signature.slice(66, 130)}`);
    const v = parseInt(signature.slice(130), 16);
    return { flipped: `${signature.slice(0, 66)}${hex(N - s)}${(v === 27 ? 28 : 27).toString(16)}` as Hex, sameV: `${signature.slice(0, 66)}${hex(N - s)}${v.toString(16)}` as Hex };
  };
  corpus.push(
    ['a good payment', async () => as(await signed())],
    ['a good payment with v as 0/1', async () => { const s = await signed(); return as(withV(s, parseInt(s.slice(130), 16) - 27)); }],
    ['the wrong signer', async () => as(await signed(other))],
    ['the wrong signer named as payer', async () => as(await signed(other), { from: other.address })],
    ['a tampered value', async () => as(await signed(), { value: 20000n })],
    ['a tampered validBefore', async () => as(await signed(), { validBefore: 9999999998n })],
    ['a tampered validAfter', async () => as(await signed(), { validAfter: 1n })],
    ['a tampered nonce', async () => as(await signed(), { nonce: `0x${'cd'.repeat(32)}` })],
    ['a tampered recipient', async () => as(await signed(), { to: other.address })],
    ['another token name', async () => as(await signed(), {}, { name: 'USDC' })],
    ['another token version', async () => as(await signed(), {}, { version: '1' })],
    ['another chainId', async () => as(await signed(), {}, { chainId: 84532 })],
    ['another token contract', async () => as(await signed(), {}, { verifyingContract: other.address })],
    ['high s with the flipped v', async () => as(highS(await signed()).flipped)],
    ['high s with the same v', async () => as(highS(await signed()).sameV)],
    ['the other v', async () => { const s = await signed(); return as(withV(s, parseInt(s.slice(130), 16) === 27 ? 28 : 27)); }],
    ['v = 29', async () => as(withV(await signed(), 29))],
    ['v = 2', async () => as(withV(await signed(), 2))],
    ['r = 0', async () => { const s = await signed(); return as(`0x${hex(0n)}${s.slice(66)}` as Hex); }],
    ['s = 0', async () => { const s = await signed(); return as(`${s.slice(0, 66)}${hex(0n)}${s.slice(130)}` as Hex); }],
    ['s = n', async () => { const s = await signed(); return as(`${s.slice(0, 66)}${hex(N)}${s.slice(130)}` as Hex); }],
    ['r = n + 1', async () => { const s = await signed(); return as(`0x${hex(N + 1n)}${s.slice(66)}` as Hex); }],
    ['r not on the curve', async () => { const s = await signed(); return as(`0x${hex(5n)}${s.slice(66)}` as Hex); }],
    ['a short signature', async () => as((await signed()).slice(0, 128) as Hex)],
    ['a long signature', async () => as(`${await signed()}00` as Hex)],
    ['not hex', async () => as(`0x${'zz'.repeat(65)}` as Hex)],
    ['random bytes', async () => as(`0x${'11'.repeat(65)}` as Hex)],
    ['a payer address with a wrong checksum', async () => { const bad = payer.address.replace(/[a-f]/, (c) => c.toUpperCase()); return as(await signed(), { from: bad as Hex }, {}, bad); }],
    ['a lower-case payer address', async () => as(await signed(), { from: payer.address.toLowerCase() as Hex }, {}, payer.address.toLowerCase())],
    ['a payer that is not an address', async () => as(await signed(), {}, {}, '0x1234')],
  );

  beforeEach(() => forgetProvenSignatures());

  it('has the native binding here (the optional dependency is installed in this repository)', async () => {
    expect(await nativeSecp256k1()).toBeDefined();
  });

  it.each(corpus)('%s: same answer natively, in pure JS and in @x402/evm', async (_name, make) => {
    const check = await make();
    const expected = await reference(check);
    expect(await verifyTypedSignature(check, true)).toBe(expected);
    forgetProvenSignatures();
    expect(await verifyTypedSignature(check, false)).toBe(expected);
  });

  it('says yes to the good payment and no to the tampered ones (the corpus is not all one answer)', async () => {
    expect(await reference(await corpus[0][1]())).toBe(true);
    expect(await reference(await corpus[4][1]())).toBe(false);
    expect(await reference(await corpus[13][1]())).toBe(true); // high s with its v: viem accepts it, so do we
  });

  it('recovers the same address natively and in pure JS for many signatures', async () => {
    for (let i = 0; i < 32; i++) {
      const signature = await payer.signTypedData(typed({ nonce: `0x${hex(BigInt(i + 1))}` as Hex }));
      const digest = hashTypedData(typed({ nonce: `0x${hex(BigInt(i + 1))}` as Hex }));
      expect(await recoverSigner(digest, signature, true)).toBe(payer.address.toLowerCase());
      expect(await recoverSigner(digest, signature, false)).toBe(payer.address.toLowerCase());
    }
  });

  it('remembers a proven signature only for the same typed data, signature and address', async () => {
    const signature = await signed();
    expect(await verifyTypedSignature(as(signature))).toBe(true);
    expect(await verifyTypedSignature(as(signature, { value: 20000n }))).toBe(false);
    expect(await verifyTypedSignature(as(signature, {}, {}, other.address))).toBe(false);
    expect(await verifyTypedSignature(as(signature))).toBe(true);
  });
});
