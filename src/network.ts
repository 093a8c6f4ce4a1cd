import { NetworkError } from './errors.js';

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_SOCKET: 'socket closed by the server',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for response headers',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
};

/** One-line explanation of a fetch failure: "connection refused (ECONNREFUSED)". */
export function describeNetworkFailure(error: unknown): string {
  let cause: unknown = error;
  let deepestMessage = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && cause && typeof cause === 'object'; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return REASONS[code] ? `${REASONS[code]} (${code})` : code;
    if (cause instanceof Error && cause.message) deepestMessage = cause.message;
    // AggregateError (happy eyeballs: IPv4 + IPv6 both failed) keeps the details in `errors`
    cause = (cause as { errors?: unknown[] }).errors?.[0] ?? (cause as { cause?: unknown }).cause;
  }
  return deepestMessage;
}

/**
 * Wraps fetch so that a transport failure becomes a {@link NetworkError} ("cannot reach ..."),
 * which the x402 fetch wrapper lets through unchanged.
 */
export function failLoudlyOnNetworkErrors(fetchImpl: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    try {
      return await fetchImpl(input, init);
    } catch (error) {
      const url = input instanceof Request ? input.url : String(input);
      let origin = url;
      try {
        origin = new URL(url).origin;
      } catch {
        // keep the raw string
      }
      throw new NetworkError(`cannot reach ${origin}: ${describeNetworkFailure(error)}. Is the server running?`);
    }
  };
}
