import { PAYMENT_PROOF_HEADER, PAYMENT_PROOF_HEADER_ALIAS } from '../x402.constants.js';
import { X402HttpException } from '../x402.errors.js';
import { X402ProofErrorCode } from './proof-errors.js';
import { isReferenceShaped } from './proof-reference.js';

/** What a payer presents after paying on chain: where, which transaction, for which quote, signed by whom. */
export interface PaymentProof {
  /** CAIP-2 network of the transaction, as quoted. */
  network: string;
  /** Transaction hash, 0x + 64 hex digits. */
  transaction: `0x${string}`;
  /** The payment reference of the 402 entry the transfer pays. */
  reference: string;
  /**
   * EIP-191 (`personal_sign`) signature of `reference` by the sender of the transfer (ERC-1271 for a
   * contract wallet): binds the transfer to this reference, so nobody who merely saw it can claim it.
   */
  signature?: `0x${string}`;
  /** The access secret of a used reference (from its `PAYMENT-RESPONSE`), to come back within the route's access window. */
  access?: string;
}

/** Largest accepted proof header, in bytes (a proof with a plain signature is about 500; a contract wallet's signature can be longer). */
export const MAX_PAYMENT_PROOF_BYTES = 4096;

const TRANSACTION = /^0x[0-9a-fA-F]{64}$/;
const NETWORK = /^eip155:[1-9][0-9]{0,18}$/;
const SIGNATURE = /^0x(?:[0-9a-fA-F]{2}){65,1200}$/;
const ACCESS = /^[A-Za-z0-9_-]{32}$/;

function invalid(message: string): never {
  throw new X402HttpException(400, X402ProofErrorCode.InvalidProof, message);
}

/** The raw proof header of a request (`X-PAYMENT-PROOF`, or its alias `Paywalled-Proof`), if any; twice, or both, is a 400. */
export function readPaymentProof(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers[PAYMENT_PROOF_HEADER];
  const alias = headers[PAYMENT_PROOF_HEADER_ALIAS];
  if (Array.isArray(value) || Array.isArray(alias) || (value !== undefined && alias !== undefined)) invalid('send exactly one X-PAYMENT-PROOF (or Paywalled-Proof) header');
  return value ?? alias;
}

/**
 * Decodes an `X-PAYMENT-PROOF` header: base64 of JSON `{ network, transaction, reference, signature?, access? }`.
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
  if (typeof json !== 'object' || json === null || Array.isArray(json)) invalid('X-PAYMENT-PROOF must be base64-encoded JSON { network, transaction, reference, signature }');
  const { network, transaction, reference, signature, access } = json as Record<string, unknown>;
  if (typeof network !== 'string' || !NETWORK.test(network)) invalid('X-PAYMENT-PROOF "network" must be the CAIP-2 network of the quote, e.g. "eip155:8453"');
  if (typeof transaction !== 'string' || !TRANSACTION.test(transaction)) invalid('X-PAYMENT-PROOF "transaction" must be a transaction hash (0x + 64 hex digits)');
  if (typeof reference !== 'string' || !isReferenceShaped(reference)) invalid('X-PAYMENT-PROOF "reference" must be the payment reference of the 402 entry, as given');
  if (signature !== undefined && (typeof signature !== 'string' || !SIGNATURE.test(signature))) invalid('X-PAYMENT-PROOF "signature" must be the payer\'s hex signature of the reference');
  if (access !== undefined && (typeof access !== 'string' || !ACCESS.test(access))) invalid('X-PAYMENT-PROOF "access" must be the access secret of a PAYMENT-RESPONSE, as given');
  return {
    network,
    transaction: transaction.toLowerCase() as `0x${string}`,
    reference,
    ...(signature !== undefined ? { signature: signature as `0x${string}` } : {}),
    ...(access !== undefined ? { access: access as string } : {}),
  };
}

/**
 * Encodes a proof for the `X-PAYMENT-PROOF` header.
 *
 * @example
 * fetch(url, { headers: { 'X-PAYMENT-PROOF': encodePaymentProof({ network, transaction: hash, reference, signature: await wallet.signMessage({ message: reference }) }) } })
 */
export function encodePaymentProof(proof: PaymentProof): string {
  const { network, transaction, reference, signature, access } = proof;
  return Buffer.from(JSON.stringify({ network, transaction, reference, signature, access })).toString('base64');
}
