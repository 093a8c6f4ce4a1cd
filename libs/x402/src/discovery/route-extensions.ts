import {
  BAZAAR,
  bazaarResourceServerExtension,
  declareDiscoveryExtension,
  validateDiscoveryExtension,
  type BodyDiscoveryExtension,
  type QueryDiscoveryExtension,
} from '@x402/extensions/bazaar';
import type { x402ResourceServer } from '@x402/core/server';
import { X402ConfigError } from '../x402.errors.js';
import { X402_DISCOVERY_METADATA, type DiscoverableOptions } from './discoverable.decorator.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const QUERY_METHODS = new Set(['GET', 'HEAD', 'DELETE']);
const PARAM = /:([A-Za-z_][A-Za-z0-9_]*)/g;

/** A bazaar declaration of an HTTP route. */
export type HttpDiscoveryExtension = QueryDiscoveryExtension | BodyDiscoveryExtension;

/**
 * The `bazaar` declaration of a route, as the reference HTTP server would send it for that route:
 * `declareDiscoveryExtension` of the options, enriched with the route's method and (when the path
 * has parameters) its `routeTemplate`. Built once per route, so it is the same in every 402.
 * Throws {@link X402ConfigError} naming `where` when the declaration does not validate.
 *
 * @example
 * bazaarDeclaration({ pathParams: { city: 'lisbon' } }, 'GET', '/weather/forecast/:city', '@Discoverable on WeatherController.forecast')
 */
export function bazaarDeclaration(options: DiscoverableOptions, method: string, routePath: string, where: string): HttpDiscoveryExtension {
  const verb = method.toUpperCase();
  let config = options as Parameters<typeof declareDiscoveryExtension>[0];
  if (BODY_METHODS.has(verb)) {
    config = { bodyType: 'json', ...options } as typeof config;
  } else if (!QUERY_METHODS.has(verb)) {
    throw new X402ConfigError(where, `bazaar discovery describes GET, HEAD, DELETE, POST, PUT or PATCH routes, not ${verb}`);
  } else if ('bodyType' in options && options.bodyType !== undefined) {
    throw new X402ConfigError(where, `bodyType is for POST, PUT or PATCH routes; a ${verb} route takes its input from the query string`);
  }
  const declared = declareDiscoveryExtension(config)[BAZAAR.key] as HttpDiscoveryExtension;
  const names = [...routePath.matchAll(PARAM)].map((m) => m[1]);
  const examples = (options.pathParams ?? {}) as Record<string, unknown>;
  const complete = names.length > 0 && names.every((name) => examples[name] !== undefined);
  const examplePath = routePath.replace(PARAM, (_, name: string) => String(examples[name]));
  // The static context of this route: the method, and the path parameters when examples are given.
  const context = { method: verb, adapter: { getPath: () => examplePath }, ...(complete ? { routePattern: routePath } : {}) };
  const enriched = bazaarResourceServerExtension.enrichDeclaration!(declared, context) as HttpDiscoveryExtension;
  if (names.length > 0 && !enriched.routeTemplate) enriched.routeTemplate = routePath;
  const result = validateDiscoveryExtension(enriched);
  if (!result.valid) throw new X402ConfigError(where, `invalid bazaar discovery declaration: ${(result.errors ?? []).join('; ')}`);
  return enriched;
}

/**
 * The x402 extensions a route declares in its 402 (today: `bazaar`, from `@Discoverable`), or
 * undefined when it declares none. The first declaration registers the bazaar extension on the
 * resource server, as the reference server setup does.
 *
 * @example
 * routeExtensions(WeatherController, WeatherController.prototype.forecast, 'GET', '/weather/forecast/:city', host.server)
 */
export function routeExtensions(
  controller: Function,
  handler: Function,
  method: string,
  routePath: string,
  server?: x402ResourceServer,
): Record<string, unknown> | undefined {
  const options: DiscoverableOptions | undefined = Reflect.getMetadata(X402_DISCOVERY_METADATA, handler);
  if (!options) return undefined;
  const declaration = bazaarDeclaration(options, method, routePath, `@Discoverable on ${controller.name}.${handler.name}`);
  if (server && !server.hasExtension(BAZAAR.key)) server.registerExtension(bazaarResourceServerExtension);
  return { [BAZAAR.key]: declaration };
}
