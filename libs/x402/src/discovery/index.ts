/**
 * `@nestjs-x402/core/discovery`: `GET /.well-known/x402` and the x402 `bazaar` declaration of a route.
 *
 * @example
 * ```ts
 * import { Discoverable, X402DiscoveryModule } from '@nestjs-x402/core/discovery';
 *
 * @Module({ imports: [X402DiscoveryModule.forRoot()] })
 * export class AppModule {}
 * ```
 */
export { Discoverable, X402_DISCOVERY_METADATA, type DiscoverableOptions } from './discoverable.decorator.js';
export { X402DiscoveryModule } from './x402-discovery.module.js';
export { X402DiscoveryService, type X402DiscoveryDocument, type X402DiscoveryItem, type X402DiscoveryOptions } from './x402-discovery.service.js';
export { X402RouteExplorer, type X402Route, type X402RouteExplorerOptions } from './x402-route.explorer.js';
