import { Inject, Injectable } from '@nestjs/common';
import type { X402Config } from '../config/x402.config.js';
import { paymentInfoFor, type X402AcceptedOption, type X402PaymentInfoPrice } from '../openapi/payment-info.js';
import { X402_CONFIG } from '../x402.tokens.js';
import { toOpenApiPath } from './route-path.js';
import { X402RouteExplorer, type X402Route } from './x402-route.explorer.js';

export const X402_DISCOVERY_OPTIONS = Symbol('x402:discovery-options');

/** Options of `X402DiscoveryModule.forRoot`. */
export interface X402DiscoveryOptions {
  /** The global prefix the app sets with `setGlobalPrefix` (exclude `.well-known/x402` from it). */
  globalPrefix?: string;
  /** Signatures proving control of the payTo addresses, for catalogues such as x402scan. */
  ownershipProofs?: string[];
  /** Free text for agents and people: how to use the API. */
  instructions?: string;
}

/** One priced resource in `/.well-known/x402`: the shape of a bazaar discovery item, plus method, path and price. */
export interface X402DiscoveryItem {
  /** Absolute URL; path parameters stay as `{name}` templates. */
  resource: string;
  type: 'http';
  method: string;
  /** OpenAPI path template, as in `/openapi.json`. */
  path: string;
  x402Version: 2;
  description?: string;
  mimeType?: string;
  /** As `x-payment-info.price`: fixed USD amount, or dynamic. */
  price: X402PaymentInfoPrice;
  /** As the 402's `accepts`; without `amount` when the price is dynamic. */
  accepts: X402AcceptedOption[];
  /** Extensions the route declares in its 402 (`bazaar` from `@Discoverable`). */
  extensions?: Record<string, unknown>;
}

/**
 * The `/.well-known/x402` document: `version` + `resources` (URLs) as x402scan's fan-out format
 * reads it, and `items` with each resource's method, price and requirements.
 */
export interface X402DiscoveryDocument {
  version: 1;
  x402Version: 2;
  resources: string[];
  items: X402DiscoveryItem[];
  ownershipProofs?: string[];
  instructions?: string;
}

/**
 * Builds the discovery document from the same `@Priced` metadata the guard enforces.
 *
 * @example
 * const document = await discovery.document('https://api.example.com');
 * document.items.map((i) => `${i.method} ${i.path}`); // ['GET /weather/forecast/{city}', ...]
 */
@Injectable()
export class X402DiscoveryService {
  private routes?: X402Route[];

  constructor(
    private readonly explorer: X402RouteExplorer,
    @Inject(X402_CONFIG) private readonly config: X402Config,
    @Inject(X402_DISCOVERY_OPTIONS) private readonly options: X402DiscoveryOptions,
  ) {}

  /** The document with absolute URLs under `baseUrl` (the public URL, or the request's origin). */
  document(baseUrl: string): X402DiscoveryDocument {
    this.routes ??= this.explorer.explore({ globalPrefix: this.options.globalPrefix });
    const base = this.config.publicUrl ?? baseUrl.replace(/\/+$/, '');
    const items: X402DiscoveryItem[] = [];
    for (const route of this.routes) {
      if (!route.plan) continue;
      const info = paymentInfoFor(route.plan, this.config.accepted);
      const { description, mimeType } = route.plan.options;
      for (const path of route.paths) {
        for (const method of route.methods) {
          const template = toOpenApiPath(path);
          items.push({
            resource: base + template,
            type: 'http',
            method,
            path: template,
            x402Version: 2,
            ...(description ? { description } : {}),
            ...(mimeType ? { mimeType } : {}),
            price: info.price,
            accepts: info.protocols[0].x402.accepts,
            ...(route.plan.extensions ? { extensions: route.plan.extensions } : {}),
          });
        }
      }
    }
    return {
      version: 1,
      x402Version: 2,
      resources: [...new Set(items.map((i) => i.resource))],
      items,
      ...(this.options.ownershipProofs ? { ownershipProofs: this.options.ownershipProofs } : {}),
      ...(this.options.instructions ? { instructions: this.options.instructions } : {}),
    };
  }
}
