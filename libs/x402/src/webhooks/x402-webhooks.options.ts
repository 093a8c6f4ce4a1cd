import { X402ConfigError } from '../x402.errors.js';
import { X402_WEBHOOK_RETRY_DEFAULTS, type X402WebhookRetryOptions, type X402WebhookRetryPolicy } from './webhook-backoff.js';
import { X402_WEBHOOK_EVENT_TYPES, type X402WebhookEventType } from './webhook-event.js';
import type { X402WebhookStore } from './webhook-store.interface.js';

/** A URL that receives events, and the secret its deliveries are signed with. */
export interface X402WebhookEndpoint {
  /** Stable name of the endpoint in deliveries, logs and the admin API (default: the URL without query and credentials). */
  id?: string;
  /** `https://` (or `http://`) URL; events are POSTed to it. */
  url: string;
  /** Shared secret of the `X402-Signature` HMAC (at least 16 characters). Never logged or stored. */
  secret: string;
  /** Events it gets (default all). */
  events?: X402WebhookEventType[];
}

/** Options of `X402WebhooksModule.forRoot` / `forRootAsync`. */
export interface X402WebhooksOptions {
  endpoints: X402WebhookEndpoint[];
  /**
   * Where deliveries wait: `new TypeOrmWebhookStore(dataSource)` (durable, shared by instances) or the
   * default {@link InMemoryWebhookStore} (lost on restart).
   */
  store?: X402WebhookStore;
  /** Run the delivery worker in this process (default true). Instances without it still record events. */
  worker?: boolean;
  /** How often the worker looks for due deliveries, in ms (default 1000; it is also woken by new events). */
  pollIntervalMs?: number;
  /** Deliveries sent at once by one worker (default 10). */
  batchSize?: number;
  /** Time an endpoint has to answer, in ms (default 10,000). A timeout is a failed attempt. */
  timeoutMs?: number;
  /**
   * How long a worker holds a delivery it is sending, in ms (default 30 s or 3 x `timeoutMs`, whichever is
   * longer; more than `timeoutMs`). A worker that dies mid-delivery leaves it to another one after this.
   */
  leaseMs?: number;
  /**
   * How long the endpoints added at run time (admin API) are cached, in ms (default 5000): an endpoint added
   * on another instance gets this instance's events after at most this long.
   */
  endpointsRefreshMs?: number;
  /** Backoff between attempts and how long to keep trying (default 10 s doubling to 1 h, for 24 h). */
  retry?: X402WebhookRetryOptions;
}

/** A validated endpoint. */
export interface X402ResolvedWebhookEndpoint {
  id: string;
  url: string;
  secret: string;
  events: ReadonlySet<X402WebhookEventType>;
}

/** The options with defaults applied. */
export interface X402WebhooksConfig {
  endpoints: X402ResolvedWebhookEndpoint[];
  worker: boolean;
  pollIntervalMs: number;
  batchSize: number;
  timeoutMs: number;
  /** How long a worker holds a delivery it sends: longer than any attempt can take. */
  leaseMs: number;
  endpointsRefreshMs: number;
  retry: X402WebhookRetryPolicy;
}

function positive(option: string, value: number | undefined, fallback: number, max = 86_400_000 * 30): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new X402ConfigError(option, `must be an integer from 1 to ${max}, got ${value}`);
  return value;
}

function lease(value: number | undefined, timeoutMs: number): number {
  const leaseMs = positive('leaseMs', value, Math.max(30_000, timeoutMs * 3));
  if (leaseMs <= timeoutMs) throw new X402ConfigError('leaseMs', `must be longer than timeoutMs (${timeoutMs}), got ${leaseMs}`);
  return leaseMs;
}

/**
 * Validates one endpoint (failing with `X402ConfigError` naming `option`, never the secret) and applies defaults.
 *
 * @example
 * const endpoint = resolveWebhookEndpoint({ url: 'https://shop.example/x402', secret }, 'endpoints[0]');
 */
export function resolveWebhookEndpoint(endpoint: X402WebhookEndpoint, name: string): X402ResolvedWebhookEndpoint {
  let url: URL;
  try {
    url = new URL(endpoint?.url);
  } catch {
    throw new X402ConfigError(`${name}.url`, 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new X402ConfigError(`${name}.url`, `must use https: or http:, got ${url.protocol}`);
  if (url.username || url.password) throw new X402ConfigError(`${name}.url`, 'must not carry credentials (user:password@); deliveries are authenticated by their signature');
  if (typeof endpoint.secret !== 'string' || endpoint.secret.length < 16 || endpoint.secret.length > 1000) {
    throw new X402ConfigError(`${name}.secret`, 'must be a string of 16 to 1000 characters');
  }
  const id = endpoint.id ?? displayUrl(url);
  if (typeof id !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(id)) throw new X402ConfigError(`${name}.id`, 'must be 1 to 200 printable characters without spaces');
  const events = endpoint.events ?? X402_WEBHOOK_EVENT_TYPES;
  if (!Array.isArray(events) || events.length === 0) throw new X402ConfigError(`${name}.events`, `must list at least one of ${X402_WEBHOOK_EVENT_TYPES.join(', ')}`);
  for (const event of events) {
    if (!X402_WEBHOOK_EVENT_TYPES.includes(event)) throw new X402ConfigError(`${name}.events`, `unknown event "${String(event).slice(0, 50)}"; one of ${X402_WEBHOOK_EVENT_TYPES.join(', ')}`);
  }
  return { id, url: url.href, secret: endpoint.secret, events: new Set(events) };
}

/** The endpoint's URL as it may be shown: no credentials, no query (either may carry a token). */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * Validates the options (failing fast with the option's name, never a secret) and applies defaults.
 *
 * @example
 * const config = resolveWebhooksConfig({ endpoints: [{ url: 'https://shop.example/x402', secret }] });
 */
export function resolveWebhooksConfig(options: X402WebhooksOptions): X402WebhooksConfig {
  if (!options || !Array.isArray(options.endpoints)) throw new X402ConfigError('endpoints', 'must be an array of { url, secret, events? }');
  const ids = new Set<string>();
  const endpoints = options.endpoints.map((endpoint, i) => {
    const resolved = resolveWebhookEndpoint(endpoint, `endpoints[${i}]`);
    if (ids.has(resolved.id)) throw new X402ConfigError(`endpoints[${i}].id`, `"${resolved.id}" is used by another endpoint; give each endpoint its own id`);
    ids.add(resolved.id);
    return resolved;
  });
  const retry: X402WebhookRetryPolicy = {
    baseDelayMs: positive('retry.baseDelayMs', options.retry?.baseDelayMs, X402_WEBHOOK_RETRY_DEFAULTS.baseDelayMs),
    maxDelayMs: positive('retry.maxDelayMs', options.retry?.maxDelayMs, X402_WEBHOOK_RETRY_DEFAULTS.maxDelayMs),
    giveUpAfterMs: positive('retry.giveUpAfterMs', options.retry?.giveUpAfterMs, X402_WEBHOOK_RETRY_DEFAULTS.giveUpAfterMs),
  };
  const timeoutMs = positive('timeoutMs', options.timeoutMs, 10_000, 300_000);
  return {
    endpoints,
    worker: options.worker ?? true,
    pollIntervalMs: positive('pollIntervalMs', options.pollIntervalMs, 1000, 3_600_000),
    batchSize: positive('batchSize', options.batchSize, 10, 1000),
    timeoutMs,
    leaseMs: lease(options.leaseMs, timeoutMs),
    endpointsRefreshMs: positive('endpointsRefreshMs', options.endpointsRefreshMs, 5000, 3_600_000),
    retry,
  };
}
