import { decodePaymentSignatureHeader } from '@x402/core/http';
import { parsePaymentPayload, PaymentPayloadV1Schema, z } from '@x402/core/schemas';
import type { PaymentPayload } from '@x402/core/types';
import { PAYMENT_SIGNATURE_HEADER, X_PAYMENT_HEADER } from '../../x402.constants.js';
import { X402ErrorCode, X402HttpException } from '../../x402.errors.js';
import { asAuthorization, UptoPermit2PayloadSchema } from '../../upto/permit2-payload.js';
import { UPTO_SCHEME } from '../../upto/upto-scheme.js';

const hex = (bytes: number) => z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`));
const uint = z.string().regex(/^[0-9]{1,78}$/);

/**
 * Shape of an `exact` EVM payload (EIP-3009 TransferWithAuthorization), checked before any facilitator
 * call. Strict: the ledger keys the payment on this authorization, so a payload carrying anything else
 * (a `permit2Authorization` the facilitator would verify and settle instead) is refused.
 */
const Eip3009PayloadSchema = z
  .object({
    signature: z.string().regex(/^0x[0-9a-fA-F]{130,}$/),
    authorization: z
      .object({
        from: hex(20),
        to: hex(20),
        value: uint,
        validAfter: uint,
        validBefore: uint,
        nonce: hex(32),
      })
      .strict(),
  })
  .strict();

export type Eip3009Authorization = z.infer<typeof Eip3009PayloadSchema>['authorization'];

/** A payment header as received: `PAYMENT-SIGNATURE` carries x402 v2, `X-PAYMENT` x402 v1. */
export interface PaymentHeader {
  name: 'PAYMENT-SIGNATURE' | 'X-PAYMENT';
  x402Version: 1 | 2;
  value: string;
}

/** A decoded, schema-checked payment with its EIP-3009 authorization (for `upto`, the Permit2 one read the same way). */
export interface DecodedPayment {
  /** 2 for `PAYMENT-SIGNATURE`, 1 for `X-PAYMENT`. */
  x402Version: 1 | 2;
  /**
   * The payload as sent. A v1 payload is `{ x402Version: 1, scheme, network, payload }` with a v1
   * network name and no `accepted`; it is typed as the v2 payload, as `@x402/core` does for v1.
   */
  payload: PaymentPayload;
  authorization: Eip3009Authorization;
}

function reject(status: number, code: string, message: string): never {
  throw new X402HttpException(status, code, message);
}

function single(headers: Record<string, string | string[] | undefined>, key: string, name: string): string | undefined {
  const value = headers[key];
  if (Array.isArray(value)) reject(400, X402ErrorCode.InvalidPaymentHeader, `send exactly one ${name} header`);
  return value;
}

/** Shortens attacker-controlled text quoted in an error message. */
function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = typeof value;
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * Reads the payment header of a request: `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1), `undefined`
 * if there is none. Both at once is a 400. Node lower-cases header names on Express and Fastify.
 *
 * @example
 * const header = readPaymentHeader(req.headers); // { name: 'X-PAYMENT', x402Version: 1, value: 'eyJ4…' }
 */
export function readPaymentHeader(headers: Record<string, string | string[] | undefined>): PaymentHeader | undefined {
  const v2 = single(headers, PAYMENT_SIGNATURE_HEADER, 'PAYMENT-SIGNATURE');
  const v1 = single(headers, X_PAYMENT_HEADER, 'X-PAYMENT');
  if (v2 !== undefined && v1 !== undefined) {
    reject(400, X402ErrorCode.InvalidPaymentHeader, 'send either PAYMENT-SIGNATURE (x402 v2) or X-PAYMENT (x402 v1), not both');
  }
  if (v2 !== undefined) return { name: 'PAYMENT-SIGNATURE', x402Version: 2, value: v2 };
  if (v1 !== undefined) return { name: 'X-PAYMENT', x402Version: 1, value: v1 };
  return undefined;
}

function parseV2(json: object): PaymentPayload {
  const parsed = parsePaymentPayload(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    reject(400, X402ErrorCode.InvalidPaymentPayload, `payment payload is invalid at "${issue.path.join('.') || '(root)'}": ${issue.message}`);
  }
  return parsed.data as PaymentPayload;
}

function parseV1(json: object): PaymentPayload {
  const parsed = PaymentPayloadV1Schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    reject(400, X402ErrorCode.InvalidPaymentPayload, `payment payload is invalid at "${issue.path.join('.') || '(root)'}": ${issue.message}`);
  }
  return parsed.data as unknown as PaymentPayload;
}

/**
 * Decodes a payment header: size limit, base64 JSON, the x402 schema of its version (v2 for
 * `PAYMENT-SIGNATURE`, v1 for `X-PAYMENT`), then the EIP-3009 payload shape. Every failure is a
 * 4xx {@link X402HttpException} with a stable code. A bare string is read as `PAYMENT-SIGNATURE`.
 *
 * @example
 * const { x402Version, payload, authorization } = decodePaymentHeader(readPaymentHeader(req.headers)!, 8192);
 */
export function decodePaymentHeader(header: PaymentHeader | string, maxBytes: number): DecodedPayment {
  const { name, x402Version, value: raw } = typeof header === 'string' ? { name: 'PAYMENT-SIGNATURE', x402Version: 2 as const, value: header } : header;
  if (raw.length > maxBytes) {
    reject(431, X402ErrorCode.PaymentHeaderTooLarge, `${name} is ${raw.length} bytes; the limit is ${maxBytes}`);
  }
  let json: unknown;
  try {
    json = decodePaymentSignatureHeader(raw.trim());
  } catch {
    reject(400, X402ErrorCode.InvalidPaymentHeader, `${name} must be base64-encoded JSON`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    reject(400, X402ErrorCode.InvalidPaymentHeader, `${name} must encode a JSON object`);
  }
  const version = (json as { x402Version?: unknown }).x402Version;
  if (version !== x402Version) {
    const hint = x402Version === 2 ? 'use 2 (or send a v1 payment in X-PAYMENT)' : 'use 1 (or send a v2 payment in PAYMENT-SIGNATURE)';
    reject(400, X402ErrorCode.UnsupportedVersion, `x402Version ${quote(version)} is not supported in ${name}; ${hint}`);
  }
  const payload = x402Version === 2 ? parseV2(json) : parseV1(json);
  // A usage-based (`upto`) payment is a Permit2 signature: its authorization is read the same way.
  const upto = x402Version === 2 && payload.accepted?.scheme === UPTO_SCHEME;
  const shape = (upto ? UptoPermit2PayloadSchema : Eip3009PayloadSchema).safeParse(payload.payload);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    reject(400, X402ErrorCode.InvalidPaymentPayload, `payment payload is invalid at "${['payload', ...issue.path].join('.')}": ${issue.message}`);
  }
  const data = shape.data as z.infer<typeof Eip3009PayloadSchema> | z.infer<typeof UptoPermit2PayloadSchema>;
  const authorization = 'permit2Authorization' in data ? asAuthorization(data.permit2Authorization) : data.authorization;
  if (BigInt(authorization.validBefore) > MAX_VALID_BEFORE) {
    // uint256 allows 2^256-1, but the settlement deadline derived from it must be a date the ledger can store
    reject(400, X402ErrorCode.InvalidPaymentPayload, `payment payload is invalid at "validBefore": ${quote(authorization.validBefore)} is past 9999-12-31; sign a validity window that ends at a real date`);
  }
  return { x402Version, payload, authorization };
}

/** The latest `validBefore` (Unix seconds) taken: 9999-12-31T23:59:59Z, the last second every date type here can hold. */
export const MAX_VALID_BEFORE = 253_402_300_799n;
