import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { X402ConfigError, X402HttpException } from '../x402.errors.js';
import type { X402WebhookEventType } from './webhook-event.js';
import { X402_WEBHOOK_STORE, type X402WebhookStore } from './webhook-store.interface.js';
import { X402_WEBHOOKS_CONFIG } from './x402-webhooks.module-definition.js';
import { displayUrl, resolveWebhookEndpoint, type X402ResolvedWebhookEndpoint, type X402WebhookEndpoint, type X402WebhooksConfig } from './x402-webhooks.options.js';

/** An endpoint as the admin API shows it: no secret, and the URL without its query. */
export interface X402WebhookEndpointInfo {
  id: string;
  /** The URL without its query string (which may carry a token). */
  url: string;
  events: X402WebhookEventType[];
  /** `options`: given to `X402WebhooksModule`; `admin`: added at run time. */
  source: 'options' | 'admin';
}

/**
 * The endpoints events go to: those of the module options, and those added at run time (kept in the
 * store, cached for `endpointsRefreshMs` so that every event does not read them).
 */
@Injectable()
export class X402WebhookEndpoints {
  private readonly configured: Map<string, X402ResolvedWebhookEndpoint>;
  private cache?: { at: number; endpoints: Promise<X402ResolvedWebhookEndpoint[]> };

  constructor(
    @Inject(X402_WEBHOOK_STORE) private readonly store: X402WebhookStore,
    @Inject(X402_WEBHOOKS_CONFIG) private readonly config: X402WebhooksConfig,
  ) {
    this.configured = new Map(config.endpoints.map((e) => [e.id, e]));
  }

  /** Whether endpoints can be added at run time (the store keeps them). */
  get editable(): boolean {
    return typeof this.store.addEndpoint === 'function' && typeof this.store.listEndpoints === 'function';
  }

  /** Whether there may be any endpoint at all (to skip listening and polling when there cannot be). */
  get any(): boolean {
    return this.configured.size > 0 || this.editable;
  }

  /** Every endpoint, configured first. */
  async all(): Promise<X402ResolvedWebhookEndpoint[]> {
    return [...this.configured.values(), ...(await this.stored())];
  }

  /** One endpoint by id; an id not in the cache is looked up again (it may have been added on another instance). */
  async get(id: string): Promise<X402ResolvedWebhookEndpoint | undefined> {
    const configured = this.configured.get(id);
    if (configured) return configured;
    const cached = (await this.stored()).find((e) => e.id === id);
    if (cached || !this.cache || Date.now() - this.cache.at < 1000) return cached;
    return (await this.stored(true)).find((e) => e.id === id);
  }

  /** The endpoints as the admin API shows them. */
  async list(): Promise<X402WebhookEndpointInfo[]> {
    const info = (e: X402ResolvedWebhookEndpoint, source: X402WebhookEndpointInfo['source']) => ({ id: e.id, url: displayUrl(new URL(e.url)), events: [...e.events], source });
    return [...[...this.configured.values()].map((e) => info(e, 'options')), ...(await this.stored(true)).map((e) => info(e, 'admin'))];
  }

  /**
   * Adds an endpoint. Without `secret` one is generated. Returns the endpoint with its secret: the only
   * time the secret is shown. 400 `invalid_webhook_endpoint`, 409 `webhook_endpoint_exists`,
   * 501 `webhook_endpoints_not_editable` (a store that keeps no endpoints).
   */
  async add(input: Partial<X402WebhookEndpoint>): Promise<X402WebhookEndpointInfo & { secret: string }> {
    if (!this.editable) throw new X402HttpException(501, 'webhook_endpoints_not_editable', 'this webhook store keeps no endpoints; configure them in X402WebhooksModule');
    const secret = input?.secret ?? `whsec_${randomBytes(24).toString('base64url')}`;
    let endpoint: X402ResolvedWebhookEndpoint;
    try {
      endpoint = resolveWebhookEndpoint({ id: input?.id, url: input?.url as string, secret, events: input?.events }, 'endpoint');
    } catch (error) {
      if (error instanceof X402ConfigError) throw new X402HttpException(400, 'invalid_webhook_endpoint', error.message.replace(/^x402: invalid option /, ''));
      throw error;
    }
    const exists = () => new X402HttpException(409, 'webhook_endpoint_exists', `an endpoint with id "${endpoint.id}" exists`);
    if (this.configured.has(endpoint.id)) throw exists();
    const added = await this.store.addEndpoint!({ id: endpoint.id, url: endpoint.url, secret: endpoint.secret, events: [...endpoint.events] });
    if (!added) throw exists();
    this.cache = undefined;
    return { id: endpoint.id, url: displayUrl(new URL(endpoint.url)), events: [...endpoint.events], source: 'admin', secret };
  }

  /** Removes an endpoint added at run time. 404 `webhook_endpoint_not_found`; 409 `webhook_endpoint_configured` for one of the options. */
  async remove(id: string): Promise<void> {
    if (this.configured.has(id)) throw new X402HttpException(409, 'webhook_endpoint_configured', 'this endpoint comes from the module options; remove it there');
    if (!this.editable || !(await this.store.removeEndpoint?.(id))) throw new X402HttpException(404, 'webhook_endpoint_not_found', 'no endpoint added at run time has this id');
    this.cache = undefined;
  }

  private stored(refresh = false): Promise<X402ResolvedWebhookEndpoint[]> {
    if (!this.editable) return Promise.resolve([]);
    if (!refresh && this.cache && Date.now() - this.cache.at < this.config.endpointsRefreshMs) return this.cache.endpoints;
    const endpoints = this.store.listEndpoints!().then((rows) =>
      rows.filter((row) => !this.configured.has(row.id)).map((row) => ({ id: row.id, url: row.url, secret: row.secret, events: new Set(row.events) })),
    );
    const cache = { at: Date.now(), endpoints };
    this.cache = cache;
    endpoints.catch(() => {
      if (this.cache === cache) this.cache = undefined; // a failed read is not cached
    });
    return endpoints;
  }
}
