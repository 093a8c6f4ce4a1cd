import { FacilitatorResponseError, FacilitatorTimeoutError, SettleError, VerifyError, type SettleResponse, type SupportedResponse, type VerifyResponse } from '@x402/core/types';
import { z } from '@x402/core/schemas';
import { logSafe } from '../logging/log-safe.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';

/** Largest facilitator answer read by default (verify, settle): real ones are a few hundred bytes. */
export const DEFAULT_MAX_FACILITATOR_RESPONSE_BYTES = 64 * 1024;
/** `/supported` lists every kind a facilitator takes: it gets at least 1 MiB. */
const MIN_SUPPORTED_BYTES = 1024 * 1024;
/** A reason that is a code passes as is; anything else is cut to this many characters, escaped and redacted. */
const MAX_REASON_CHARS = 128;
const MAX_MESSAGE_CHARS = 300;
const CODE = /^[a-z0-9_]{1,64}$/;

const text = z.string().nullish().transform((v) => v ?? undefined);
const record = z.record(z.string(), z.unknown()).nullish().transform((v) => v ?? undefined);
const VERIFY = z.object({ isValid: z.boolean(), invalidReason: text, invalidMessage: text, payer: text, extensions: record, extra: record });
const SETTLE = z.object({ success: z.boolean(), errorReason: text, errorMessage: text, payer: text, transaction: z.string(), network: z.string(), amount: text, extensions: record, extra: record });
const SUPPORTED = z.object({
  kinds: z.array(z.object({ x402Version: z.number(), scheme: z.string(), network: z.string(), extra: record })),
  extensions: z.array(z.string()).default([]),
  signers: z.record(z.string(), z.array(z.string())).default({}),
});

/** A facilitator's reason, fit for a header and a log line: a code as is, else escaped, redacted and at most 128 characters. */
export function boundedReason(reason: string | undefined): string | undefined {
  return reason === undefined || CODE.test(reason) ? reason : logSafe(reason, MAX_REASON_CHARS);
}

function boundedMessage(message: string | undefined): string | undefined {
  return message === undefined ? undefined : logSafe(message, MAX_MESSAGE_CHARS);
}

/**
 * Reads a response body up to `limit` bytes, streaming: past it (or when Content-Length announces more) the
 * transfer is aborted and a 502 `facilitator_response_too_large` thrown, so a facilitator (or whoever sits between
 * it and us) cannot make this process buffer an answer of any size.
 */
export async function readBounded(response: Response, limit: number, operation: string): Promise<string> {
  const tooLarge = () =>
    new X402HttpException(502, X402ErrorCode.FacilitatorResponseTooLarge, `the payment facilitator's ${operation} answer is larger than ${limit} bytes`);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One facilitator endpoint call: where, with which headers and body, within which time and size. */
export interface FacilitatorCall {
  url: string;
  operation: 'verify' | 'settle' | 'supported';
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  maxBytes: number;
}

async function call(request: FacilitatorCall): Promise<{ status: number; data: unknown }> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  const limit = request.operation === 'supported' ? Math.max(request.maxBytes, MIN_SUPPORTED_BYTES) : request.maxBytes;
  try {
    const response = await fetch(`${request.url}/${request.operation}`, {
      method: request.body === undefined ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json', ...request.headers },
      redirect: 'follow',
      body: request.body === undefined ? undefined : JSON.stringify(request.body, (_, value) => (typeof value === 'bigint' ? value.toString() : value)),
      signal,
    });
    const raw = await readBounded(response, limit, request.operation);
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      data = undefined;
    }
    return { status: response.status, data };
  } catch (error) {
    if (signal.aborted && !(error instanceof X402HttpException)) throw new FacilitatorTimeoutError(request.operation, request.timeoutMs);
    throw error;
  }
}

/**
 * A verify or settle answer: a 2xx with a protocol body is returned, another status with one is thrown as `refuse`
 * makes it (the facilitator's refusal), anything else is a `FacilitatorResponseError`.
 */
async function answerCall<T>(request: FacilitatorCall, name: 'verify' | 'settle', read: (data: unknown) => T | undefined, refuse: (status: number, answer: T) => Error): Promise<T> {
  const { status, data } = await call(request);
  const answer = read(data);
  if (status >= 200 && status < 300 && answer) return answer;
  if (status >= 300 && answer) throw refuse(status, answer);
  throw new FacilitatorResponseError(`facilitator ${name} answered HTTP ${status} without a ${name} response`);
}

/** `POST /verify`, read within `maxBytes`; a refusal with a protocol body is a `VerifyError`, reasons bounded. */
export function verifyCall(request: FacilitatorCall): Promise<VerifyResponse> {
  const read = (data: unknown) => {
    const parsed = VERIFY.safeParse(data);
    return parsed.success ? ({ ...parsed.data, invalidReason: boundedReason(parsed.data.invalidReason), invalidMessage: boundedMessage(parsed.data.invalidMessage) } as VerifyResponse) : undefined;
  };
  return answerCall(request, 'verify', read, (status, answer) => new VerifyError(status, answer));
}

/** `POST /settle`, read within `maxBytes`; a refusal with a protocol body is a `SettleError`, reasons bounded. */
export function settleCall(request: FacilitatorCall): Promise<SettleResponse> {
  const read = (data: unknown) => {
    const parsed = SETTLE.safeParse(data);
    return parsed.success ? ({ ...parsed.data, errorReason: boundedReason(parsed.data.errorReason), errorMessage: boundedMessage(parsed.data.errorMessage) } as SettleResponse) : undefined;
  };
  return answerCall(request, 'settle', read, (status, answer) => new SettleError(status, answer));
}

/** `GET /supported`, read within 1 MiB (or `maxBytes` if larger). */
export async function supportedCall(request: FacilitatorCall): Promise<SupportedResponse> {
  const { status, data } = await call(request);
  const parsed = SUPPORTED.safeParse(data);
  if (status >= 200 && status < 300 && parsed.success) return parsed.data as SupportedResponse;
  throw new FacilitatorResponseError(`Facilitator getSupported failed (${status})`);
}
