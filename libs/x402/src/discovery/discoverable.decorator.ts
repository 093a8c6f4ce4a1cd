import { SetMetadata } from '@nestjs/common';
import type { DeclareBodyDiscoveryExtensionConfig, DeclareQueryDiscoveryExtensionConfig } from '@x402/extensions/bazaar';

/** Metadata key under which `@Discoverable` stores its options on a route handler. */
export const X402_DISCOVERY_METADATA = 'x402:discovery';

/**
 * How to call a route, for catalogues (the x402 `bazaar` extension): example input and its JSON
 * schema, example path parameters, and the output. The HTTP method comes from the route. For
 * `POST`/`PUT`/`PATCH`, `input` is the body and `bodyType` defaults to `json`; otherwise `input`
 * is the query string.
 */
export type DiscoverableOptions =
  | Omit<DeclareQueryDiscoveryExtensionConfig, 'method'>
  | (Omit<DeclareBodyDiscoveryExtensionConfig, 'method' | 'bodyType'> & { bodyType?: DeclareBodyDiscoveryExtensionConfig['bodyType'] });

/**
 * Declares the `bazaar` discovery extension on a priced route: every 402 of the route carries it
 * (so facilitators that settle its payments can catalogue it) and `/.well-known/x402` lists it.
 * The declaration is built and validated with `@x402/extensions/bazaar` at startup; a schema that
 * does not accept its own example fails the boot.
 *
 * @example
 * @Get('forecast/:city')
 * @Priced('0.01')
 * @Discoverable({
 *   pathParams: { city: 'lisbon' },
 *   pathParamsSchema: { properties: { city: { type: 'string' } }, required: ['city'] },
 *   output: { example: { city: 'lisbon', days: [] } },
 * })
 * forecast(@Param('city') city: string) { ... }
 */
export function Discoverable(options: DiscoverableOptions = {}): MethodDecorator {
  return SetMetadata(X402_DISCOVERY_METADATA, options);
}
