import { logSafe } from '../logging/log-safe.js';

/** The shape of a machine code (`insufficient_funds`, `invalid_exact_evm_payload_signature`). */
const CODE = /^[a-z0-9_]{1,64}$/;

/**
 * A facilitator's refusal reason as a code fit for a 402, a `PAYMENT-RESPONSE` and the ledger: the
 * reason itself when it is a code, else `fallback`. Some facilitators put a whole error message
 * there (the `@x402/evm` v1 scheme puts viem's, with the RPC URL and the raw signed transaction).
 *
 * @example
 * reasonCode('Transaction creation failed.\nURL: https://…', 'settlement_failed') // 'settlement_failed'
 */
export function reasonCode(reason: unknown, fallback: string): string {
  return typeof reason === 'string' && CODE.test(reason) ? reason : fallback;
}

/**
 * A facilitator's human message, when it is short plain text that carries no URL, hex blob or
 * control character; else `fallback`.
 */
export function safeMessage(message: unknown, fallback: string): string {
  if (typeof message !== 'string' || message.length === 0 || message.length > 300) return fallback;
  return logSafe(message, 300) === message && !/:\/\//.test(message) ? message : fallback;
}

/** What to log of a reason that was not a code (redacted, one line), or `undefined` if it was one. */
export function reasonDetail(reason: unknown): string | undefined {
  return typeof reason === 'string' && CODE.test(reason) ? undefined : reason === undefined ? undefined : logSafe(reason);
}
