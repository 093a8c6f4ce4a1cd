import { X402ErrorCode, X402HttpException } from '../x402.errors.js';

/** What the URL of a request is built from: its headers, and what Express 5 / Fastify 5 derive from them. */
export interface UrlSourceRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Express 5 and Fastify 5: the Host, or X-Forwarded-Host when the app trusts the proxy that sent it. */
  host?: unknown;
  /** Express 5 and Fastify 5: `http`/`https`, or X-Forwarded-Proto when the app trusts the proxy that sent it. */
  protocol?: unknown;
}

/** A DNS name (labels of letters, digits, `-`, `_`), an IPv4 address or a bracketed IPv6 address, then an optional port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?)(?::([0-9]{1,5}))?$/;

/**
 * The host a request named, checked: a host name or address and an optional port from 1 to 65535.
 * Anything else (spaces, `%`, `/`, `?`, `@`, a port out of range) is a 400 `invalid_host`, so a
 * Host header can never add a path, a query or user info to a resource URL.
 */
export function checkedHost(host: string): string {
  const match = host.length <= 261 ? HOST.exec(host) : null;
  const port = match?.[1] === undefined ? undefined : Number(match[1]);
  if (!match || (port !== undefined && (port < 1 || port > 65535))) {
    throw new X402HttpException(400, X402ErrorCode.InvalidHost, 'the Host (or trusted X-Forwarded-Host) header must be a host name or address with an optional port from 1 to 65535');
  }
  return host.toLowerCase();
}

/**
 * The origin (`scheme://host[:port]`) the client asked for. The scheme and host come from the
 * HTTP platform (Express 5 `req.protocol`/`req.host`, Fastify 5 `request.protocol`/`request.host`),
 * which read X-Forwarded-Proto/-Host only when the app trusts the proxy (Express `trust proxy`,
 * Fastify `trustProxy`); other platforms give the Host header. Both are validated.
 */
export function requestOrigin(request: UrlSourceRequest): string {
  const rawHost = typeof request.host === 'string' ? request.host : firstValue(request.headers.host);
  if (rawHost === undefined || rawHost === '') throw new X402HttpException(400, X402ErrorCode.InvalidHost, 'the request has no Host header');
  const protocol = typeof request.protocol === 'string' ? request.protocol.toLowerCase() : 'http';
  if (protocol !== 'http' && protocol !== 'https') {
    throw new X402HttpException(400, X402ErrorCode.InvalidForwardedProto, 'the trusted X-Forwarded-Proto header must be "http" or "https"');
  }
  return `${protocol}://${checkedHost(rawHost)}`;
}

/**
 * The path and query of a request target, for a resource URL. An absolute-form target
 * (`GET http://other.example/path`, which servers must accept and route by its path) gives its
 * path and query only: its authority is never taken. Any other form is a 400 `invalid_request_target`.
 */
export function requestPath(target: string | undefined): string {
  if (target === undefined || target === '') return '/';
  if (target.startsWith('/')) return target;
  let url: URL | undefined;
  try {
    url = /^https?:\/\//i.test(target) ? new URL(target) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) throw new X402HttpException(400, X402ErrorCode.InvalidRequestTarget, 'the request target must be a path (or an absolute http(s) URL)');
  return url.pathname + url.search;
}

/**
 * The absolute URL of a requested resource: the configured `publicUrl` (trusted, from the app's
 * configuration) or the request's validated origin, followed by the request's path and query.
 *
 * @example
 * resourceUrlOf(request, request.originalUrl, 'https://api.example.com') // 'https://api.example.com/weather/forecast/lisbon'
 */
export function resourceUrlOf(request: UrlSourceRequest, target: string | undefined, publicUrl?: string): string {
  const path = requestPath(target);
  return (publicUrl ?? requestOrigin(request)) + path;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
