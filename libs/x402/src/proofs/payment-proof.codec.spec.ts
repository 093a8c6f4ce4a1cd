import { X402HttpException } from '../x402.errors.js';
import { decodePaymentProof, encodePaymentProof, readPaymentProof } from './payment-proof.codec.js';

const proof = { network: 'eip155:8453', transaction: `0x${'Ab'.repeat(32)}` as `0x${string}`, reference: '0123456789abcdef0123456789abcdef' };
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
    ['an oversized header', 'A'.repeat(2000)],
  ])('refuses %s with 400 invalid_payment_proof', (_, header) => {
    expect(codeOf(() => decodePaymentProof(header))).toBe('400 invalid_payment_proof');
  });

  it('reads one header; twice is a 400', () => {
    expect(readPaymentProof({ 'x-payment-proof': 'abc' })).toBe('abc');
    expect(readPaymentProof({})).toBeUndefined();
    expect(codeOf(() => readPaymentProof({ 'x-payment-proof': ['a', 'b'] }))).toBe('400 invalid_payment_proof');
  });
});
