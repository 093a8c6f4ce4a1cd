/** Request header carrying a v2 payment payload (base64 JSON). */
export const PAYMENT_SIGNATURE_HEADER = 'payment-signature';
/** Legacy v1 request header; accepted for interoperability with v1 clients. */
export const X_PAYMENT_HEADER = 'x-payment';
/** Response header carrying the v2 PaymentRequired challenge (base64 JSON). */
export const PAYMENT_REQUIRED_HEADER = 'PAYMENT-REQUIRED';
/** Response header carrying the settlement result (base64 JSON). */
export const PAYMENT_RESPONSE_HEADER = 'PAYMENT-RESPONSE';
/** Legacy v1 response header for the settlement result. */
export const X_PAYMENT_RESPONSE_HEADER = 'X-PAYMENT-RESPONSE';

/** Headers a browser client must be allowed to read (CORS `exposedHeaders`). */
export const X402_EXPOSED_HEADERS = [PAYMENT_REQUIRED_HEADER, PAYMENT_RESPONSE_HEADER, X_PAYMENT_RESPONSE_HEADER];
/** Request header carrying a transaction-hash proof: base64 JSON `{ network, transaction, reference }`. */
export const PAYMENT_PROOF_HEADER = 'x-payment-proof';

/** Alias of {@link PAYMENT_PROOF_HEADER} that integration guides use for the same proof. */
export const PAYMENT_PROOF_HEADER_ALIAS = 'paywalled-proof';

/** Headers a browser client must be allowed to send (CORS `allowedHeaders`). */
export const X402_ALLOWED_HEADERS = ['PAYMENT-SIGNATURE', 'X-PAYMENT', 'SIGN-IN-WITH-X', 'Idempotency-Key', 'X-PAYMENT-PROOF', 'Paywalled-Proof'];

/** Default upper bound for the encoded payment header, in bytes. */
export const DEFAULT_MAX_PAYMENT_HEADER_BYTES = 8 * 1024;
/** Default validity window offered to clients (seconds), as the reference server. */
export const DEFAULT_MAX_TIMEOUT_SECONDS = 300;
