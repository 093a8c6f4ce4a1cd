import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header that carries the signature of a webhook delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const X402_SIGNATURE_HEADER = 'X402-Signature';

/** Why {@link verifyX402Webhook} refused a delivery. */
export type X402WebhookVerificationError = 'missing_signature' | 'malformed_signature' | 'stale_timestamp' | 'signature_mismatch';

/** Outcome of {@link verifyX402Webhook}. */
export type X402WebhookVerification = { valid: true; timestamp: number } | { valid: false; error: X402WebhookVerificationError };

/** Options of {@link verifyX402Webhook}. */
export interface X402WebhookVerifyOptions {
  /** Largest accepted distance between the signed timestamp and now, in seconds (default 300). */
  toleranceSeconds?: number;
  /** The current time in unix seconds (tests). */
  now?: number;
}

function hmac(secret: string, timestamp: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/**
 * The `X402-Signature` header of a body: HMAC-SHA256 with the endpoint's secret over `${timestamp}.${body}`.
 *
 * @example
 * const header = signX402Webhook(body, secret); // 't=1764590400,v1=5d41…'
 */
export function signX402Webhook(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body).toString('hex')}`;
}

/**
 * Checks a webhook delivery: the `X402-Signature` header must hold a timestamp within
 * `toleranceSeconds` of now and an HMAC-SHA256 of `${timestamp}.${rawBody}` made with `secret`
 * (compared in constant time; several `v1=` values are accepted, one must match).
 * Pass the body exactly as received (the raw bytes, not re-serialized JSON).
 *
 * @example
 * app.post('/x402-webhooks', express.raw({ type: 'application/json' }), (req, res) => {
 *   const check = verifyX402Webhook(req.body, req.header('X402-Signature'), process.env.X402_WEBHOOK_SECRET!);
 *   if (!check.valid) return res.status(400).send(check.error);
 *   const event = JSON.parse(req.body.toString('utf8')); // de-duplicate on event.id
 *   res.sendStatus(204);
 * });
 */
export function verifyX402Webhook(
  rawBody: string | Uint8Array,
  header: string | string[] | undefined | null,
  secret: string,
  { toleranceSeconds = 300, now = Math.floor(Date.now() / 1000) }: X402WebhookVerifyOptions = {},
): X402WebhookVerification {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return { valid: false, error: 'missing_signature' };
  if (value.length > 2048) return { valid: false, error: 'malformed_signature' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of value.split(',')) {
    const [key, text, ...rest] = part.trim().split('=');
    if (rest.length > 0 || text === undefined) return { valid: false, error: 'malformed_signature' };
    if (key === 't') {
      if (!/^[0-9]{1,12}$/.test(text) || timestamp !== undefined) return { valid: false, error: 'malformed_signature' };
      timestamp = Number(text);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(text)) return { valid: false, error: 'malformed_signature' };
      signatures.push(Buffer.from(text, 'hex'));
    }
  }
  if (timestamp === undefined || signatures.length === 0) return { valid: false, error: 'malformed_signature' };
  if (Math.abs(now - timestamp) > toleranceSeconds) return { valid: false, error: 'stale_timestamp' };
  const expected = hmac(secret, timestamp, rawBody);
  let matched = false;
  for (const signature of signatures) matched = timingSafeEqual(signature, expected) || matched;
  return matched ? { valid: true, timestamp } : { valid: false, error: 'signature_mismatch' };
}
