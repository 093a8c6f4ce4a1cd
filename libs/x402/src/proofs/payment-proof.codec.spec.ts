import { X402HttpException } from '../x402.errors.js';
import { decodePaymentProof, encodePaymentProof, readPaymentProof } from './payment-proof.codec.js';

const proof = { network: 'eip155:8453', transaction: `0x${'Ab'.repeat(32)}` as `0x${string}`, reference: '0123456789abcdef01234567.8453.100.1796135427.20000.RZF5Ywo3s7Q1LFJXbDSJCq' };
const signature = `0x${'1b'.repeat(65)}` as `0x${string}`;
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof X402HttpException ? `${error.getStatus()} ${error.code}` : 'not an X402HttpException';
  }
  return undefined;
}

describe('X-PAYMENT-PROOF codec', () => {
  it('round-trips a proof, lower-casing the transaction hash', () => {
    expect(decodePaymentProof(encodePaymentProof(proof))).toEqual({ ...proof, transaction: proof.transaction.toLowerCase() });
    const full = { ...proof, signature, access: 'a'.repeat(32) };
    expect(decodePaymentProof(encodePaymentProof(full))).toEqual({ ...full, transaction: proof.transaction.toLowerCase() });
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['null', b64('null')],
    ['an array', b64([])],
    ['a bad network', b64({ ...proof, network: 'base' })],
    ['a short hash', b64({ ...proof, transaction: '0x1234' })],
    ['a numeric hash', b64({ ...proof, transaction: 12 })],
    ['an upper-case reference', b64({ ...proof, reference: proof.reference.toUpperCase() })],
    ['no reference', b64({ network: proof.network, transaction: proof.transaction })],
    ['a reference of the old shape', b64({ ...proof, reference: '0123456789abcdef0123456789abcdef' })],
    ['a reference with a negative amount', b64({ ...proof, reference: proof.reference.replace('.20000.', '.-1.') })],
    ['a signature that is not hex', b64({ ...proof, signature: 'zz' })],
    ['a short signature', b64({ ...proof, signature: '0x1234' })],
    ['an access secret of another shape', b64({ ...proof, access: 'short' })],
    ['an oversized header', 'A'.repeat(5000)],
  ])('refuses %s with 400 invalid_payment_proof', (_, header) => {
    expect(codeOf(() => decodePaymentProof(header))).toBe('400 invalid_payment_proof');
  });

  it('reads one header; twice is a 400', () => {
    expect(readPaymentProof({ 'x-payment-proof': 'abc' })).toBe('abc');
    expect(readPaymentProof({})).toBeUndefined();
    expect(codeOf(() => readPaymentProof({ 'x-payment-proof': ['a', 'b'] }))).toBe('400 invalid_payment_proof');
  });

  it('reads Paywalled-Proof as an alias; both at once is a 400', () => {
    expect(readPaymentProof({ 'paywalled-proof': 'abc' })).toBe('abc');
    expect(codeOf(() => readPaymentProof({ 'paywalled-proof': 'abc', 'x-payment-proof': 'abc' }))).toBe('400 invalid_payment_proof');
    expect(codeOf(() => readPaymentProof({ 'paywalled-proof': ['a', 'b'] }))).toBe('400 invalid_payment_proof');
  });
});
