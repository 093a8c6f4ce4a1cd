import { PAYMENT_PROOF_HEADER } from '../x402.constants.js';
import { X402HttpException } from '../x402.errors.js';
import { X402ProofErrorCode } from './proof-errors.js';

/** What a payer presents after paying on chain: where, which transaction, and for which quote. */
export interface PaymentProof {
  /** CAIP-2 network of the transaction, as quoted. */
  network: string;
  /** Transaction hash, 0x + 64 hex digits. */
  transaction: `0x${string}`;
  /** The payment reference of the 402 entry the transfer pays. */
  reference: string;
}

/** Largest accepted proof header, in bytes (a proof is about 200). */
export const MAX_PAYMENT_PROOF_BYTES = 1024;

const REFERENCE = /^[0-9a-f]{32}$/;
const TRANSACTION = /^0x[0-9a-fA-F]{64}$/;
const NETWORK = /^eip155:[1-9][0-9]{0,18}$/;

function invalid(message: string): never {
  throw new X402HttpException(400, X402ProofErrorCode.InvalidProof, message);
}

/** The raw `X-PAYMENT-PROOF` header of a request, if any (sent twice is a 400). */
export function readPaymentProof(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers[PAYMENT_PROOF_HEADER];
  if (Array.isArray(value)) invalid('send exactly one X-PAYMENT-PROOF header');
  return value;
}

/**
 * Decodes an `X-PAYMENT-PROOF` header: base64 of JSON `{ network, transaction, reference }`.
 * Anything else is a 400 `invalid_payment_proof`.
 *
 * @example
 * decodePaymentProof(encodePaymentProof({ network: 'eip155:8453', transaction: '0xab…', reference: '9f2c…' }))
 */
export function decodePaymentProof(value: string): PaymentProof {
  if (value.length > MAX_PAYMENT_PROOF_BYTES) invalid(`X-PAYMENT-PROOF is ${value.length} bytes; the limit is ${MAX_PAYMENT_PROOF_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(value.trim(), 'base64').toString('utf8'));
  } catch {
    invalid('X-PAYMENT-PROOF must be base64-encoded JSON { network, transaction, reference }');
  }
  const { network, transaction, reference } = (json ?? {}) as Record<string, unknown>;
  if (typeof network !== 'string' || !NETWORK.test(network)) invalid('X-PAYMENT-PROOF "network" must be the CAIP-2 network of the quote, e.g. "eip155:8453"');
  if (typeof transaction !== 'string' || !TRANSACTION.test(transaction)) invalid('X-PAYMENT-PROOF "transaction" must be a transaction hash (0x + 64 hex digits)');
  if (typeof reference !== 'string' || !REFERENCE.test(reference)) invalid('X-PAYMENT-PROOF "reference" must be the payment reference of the 402 entry (32 hex digits)');
  return { network, transaction: transaction.toLowerCase() as `0x${string}`, reference };
}

/**
 * Encodes a proof for the `X-PAYMENT-PROOF` header.
 *
 * @example
 * fetch(url, { headers: { 'X-PAYMENT-PROOF': encodePaymentProof({ network, transaction: hash, reference }) } })
 */
export function encodePaymentProof(proof: PaymentProof): string {
  return Buffer.from(JSON.stringify({ network: proof.network, transaction: proof.transaction, reference: proof.reference })).toString('base64');
}
