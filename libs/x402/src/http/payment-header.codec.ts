import { decodePaymentSignatureHeader } from '@x402/core/http';
import { parsePaymentPayload, z } from '@x402/core/schemas';
import type { PaymentPayload } from '@x402/core/types';
import { PAYMENT_SIGNATURE_HEADER } from '../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';

const hex = (bytes: number) => z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`));
const uint = z.string().regex(/^[0-9]{1,78}$/);

/** Shape of an `exact` EVM payload (EIP-3009 TransferWithAuthorization), checked before any facilitator call. */
const Eip3009PayloadSchema = z.object({
  signature: z.string().regex(/^0x[0-9a-fA-F]{130,}$/),
  authorization: z.object({
    from: hex(20),
    to: hex(20),
    value: uint,
    validAfter: uint,
    validBefore: uint,
    nonce: hex(32),
  }),
});

export type Eip3009Authorization = z.infer<typeof Eip3009PayloadSchema>['authorization'];

/** A decoded, schema-checked v2 payment with its EIP-3009 authorization. */
export interface DecodedPayment {
  payload: PaymentPayload;
  authorization: Eip3009Authorization;
}

function reject(status: number, code: string, message: string): never {
  throw new X402HttpException(status, code, message);
}

/**
 * Reads the payment header of a request: `undefined` if there is none.
 * Node lower-cases header names on both Express and Fastify.
 */
export function readPaymentHeader(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers[PAYMENT_SIGNATURE_HEADER];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) reject(400, X402ErrorCode.InvalidPaymentHeader, 'send exactly one PAYMENT-SIGNATURE header');
  return value;
}

/**
 * Decodes a `PAYMENT-SIGNATURE` value: size limit, base64 JSON, the x402 v2 schema, then the
 * EIP-3009 payload shape. Every failure is a 4xx {@link X402HttpException} with a stable code.
 *
 * @example
 * const { payload, authorization } = decodePaymentHeader(req.headers['payment-signature'], 16384);
 */
export function decodePaymentHeader(raw: string, maxBytes: number): DecodedPayment {
  if (raw.length > maxBytes) {
    reject(431, X402ErrorCode.PaymentHeaderTooLarge, `PAYMENT-SIGNATURE is ${raw.length} bytes; the limit is ${maxBytes}`);
  }
  let json: unknown;
  try {
    json = decodePaymentSignatureHeader(raw.trim());
  } catch {
    reject(400, X402ErrorCode.InvalidPaymentHeader, 'PAYMENT-SIGNATURE must be base64-encoded JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    reject(400, X402ErrorCode.InvalidPaymentHeader, 'PAYMENT-SIGNATURE must encode a JSON object');
  }
  const version = (json as { x402Version?: unknown }).x402Version;
  if (version !== 2) {
    reject(400, X402ErrorCode.UnsupportedVersion, `x402Version ${JSON.stringify(version)} is not supported in PAYMENT-SIGNATURE; use 2`);
  }
  const parsed = parsePaymentPayload(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    reject(400, X402ErrorCode.InvalidPaymentPayload, `payment payload is invalid at "${issue.path.join('.') || '(root)'}": ${issue.message}`);
  }
  const payload = parsed.data as PaymentPayload;
  const shape = Eip3009PayloadSchema.safeParse(payload.payload);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    reject(400, X402ErrorCode.InvalidPaymentPayload, `payment payload is invalid at "payload.${issue.path.join('.')}": ${issue.message}`);
  }
  return { payload, authorization: shape.data.authorization };
}
