/** A path segment that looks like an API key: 20+ letters, digits, `_` or `-`, with both letters and digits. */
const KEY_SEGMENT = /^(?=.*[0-9])(?=.*[A-Za-z])[A-Za-z0-9_-]{20,}$/;

/** Hex blobs longer than a transaction hash (signed transactions, calldata, signatures). */
const LONG_HEX = /0x[0-9a-fA-F]{66,}/g;

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'<>`]+/gi;

/**
 * The URL without what may be a credential: user info, the query and fragment, and path segments
 * that look like API keys (`https://base-mainnet.g.alchemy.com/v2/<key>`) become `***`.
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text.replace(/\/\/[^/@\s]*@/, '//***@').replace(/[?#].*$/, '');
  }
  const credentials = url.username || url.password ? '***@' : '';
  const path = url.pathname
    .split('/')
    .map((segment) => (KEY_SEGMENT.test(segment) ? '***' : segment))
    .join('/');
  return `${url.protocol}//${credentials}${url.host}${path}${url.search || url.hash ? '?***' : ''}`;
}

/**
 * Text without secrets: every URL in it redacted ({@link redactUrl}) and long hex blobs (raw
 * signed transactions, calldata) shortened to their length.
 *
 * @example
 * redactSecrets('URL: https://rpc.example/v2/abcDEF123456789012345?key=s') // 'URL: https://rpc.example/v2/***?***'
 */
export function redactSecrets(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => redactUrl(url)).replace(LONG_HEX, (hex) => `0x…(${hex.length - 2} hex digits)`);
}

/**
 * Anything from outside (an error message, a facilitator's reason) made fit for one log line:
 * secrets redacted, control characters (line breaks included) escaped, at most `max` characters.
 *
 * @example
 * logger.warn(`settlement failed: ${logSafe(error.message)}`);
 */
export function logSafe(value: unknown, max = 500): string {
  const text = redactSecrets(value instanceof Error ? value.message : String(value));
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
