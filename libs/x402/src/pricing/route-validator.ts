import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { X402_PRICE_METADATA, type PriceMetadata } from './price-metadata.js';
import { RoutePricingService } from './route-pricing.service.js';

/**
 * Finds every `@Priced` route at startup and makes its plan, so that a bad static price or payTo
 * fails the boot with a message naming the route instead of failing the first paying client.
 */
@Injectable()
export class X402RouteValidator implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly pricing: RoutePricingService,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        const metadata = this.reflector.getAllAndOverride<PriceMetadata | undefined>(X402_PRICE_METADATA, [handler, metatype]);
        if (metadata && !metadata.free) this.pricing.planFor(metatype as never, handler, metadata);
      }
    }
  }
}
