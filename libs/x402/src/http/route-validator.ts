import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { PaymentMethodRegistry } from '../methods/payment-methods.registry.js';
import { X402_PRICE_METADATA, type PriceMetadata } from '../pricing/price-metadata.js';
import { RoutePricingService, type RoutePlan } from '../pricing/route-pricing.service.js';
import { X402ConfigError } from '../x402.errors.js';

/** Metadata of handlers that run outside HTTP: `@MessagePattern`/`@EventPattern`, `@SubscribeMessage`. */
const NON_HTTP_HANDLER_METADATA = ['microservices:pattern', 'websockets:message_mapping'];

/** The opt-in payment methods a route plan needs, with the module that registers each. */
const NEEDED_METHODS: { name: string; needed: (plan: RoutePlan) => boolean; option: string; module: string }[] = [
  { name: 'tx-hash', needed: (plan) => plan.txProof !== undefined, option: 'txProof', module: 'X402ProofsModule.forRoot() from @nestjs-x402/core/proofs' },
  { name: 'session', needed: (plan) => plan.accessMs !== undefined, option: 'access', module: 'X402SessionsModule from @nestjs-x402/core' },
];

/**
 * Finds every `@Priced` route at startup and makes its plan, so that a bad static price or payTo
 * fails the boot with a message naming the route instead of failing the first paying client.
 * `@Priced` anywhere else (a GraphQL resolver, a websocket gateway, a microservice handler) fails
 * the boot too: the guard charges HTTP requests only, and such a handler would otherwise be free.
 * A route that needs an opt-in payment method (`txProof`, `access`) whose module is not imported fails too.
 */
@Injectable()
export class X402RouteValidator implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly pricing: RoutePricingService,
    private readonly methods: PaymentMethodRegistry,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        const metadata = this.reflector.getAllAndOverride<PriceMetadata | undefined>(X402_PRICE_METADATA, [handler, metatype]);
        if (!metadata || metadata.free) continue;
        const own = this.reflector.get<PriceMetadata | undefined>(X402_PRICE_METADATA, handler);
        const route = Reflect.getMetadata(PATH_METADATA, handler) !== undefined;
        const elsewhere = NON_HTTP_HANDLER_METADATA.some((key) => Reflect.getMetadata(key, handler) !== undefined);
        if (elsewhere || (own && !own.free && !route)) throw this.notHttp(`${metatype.name}.${name}`);
        if (route) this.checkMethods(`${metatype.name}.${name}`, this.pricing.planFor(metatype as never, handler, metadata));
      }
    }
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || typeof instance !== 'object' || typeof metatype !== 'function') continue;
      const classPriced = this.reflector.get<PriceMetadata | undefined>(X402_PRICE_METADATA, metatype);
      if (classPriced && !classPriced.free) throw this.notHttp(metatype.name);
      const prototype = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const metadata = this.reflector.get<PriceMetadata | undefined>(X402_PRICE_METADATA, prototype[name]);
        if (metadata && !metadata.free) throw this.notHttp(`${metatype.name}.${name}`);
      }
    }
  }

  private checkMethods(where: string, plan: RoutePlan): void {
    for (const method of NEEDED_METHODS) {
      if (method.needed(plan) && !this.methods.has(method.name)) {
        throw new X402ConfigError(`@Priced on ${where}: ${method.option}`, `needs the ${method.name} payment method: import ${method.module}`);
      }
    }
  }

  private notHttp(where: string): X402ConfigError {
    return new X402ConfigError(
      '@Priced',
      `${where} is not an HTTP route (a GraphQL resolver, websocket gateway or microservice handler?); x402 charges HTTP requests only, and this handler would be served free`,
    );
  }
}
