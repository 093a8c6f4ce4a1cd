import { Injectable, RequestMethod, VersioningType, type INestApplicationContext, type Type, type VersioningOptions } from '@nestjs/common';
import { METHOD_METADATA, MODULE_PATH, PATH_METADATA, VERSION_METADATA } from '@nestjs/common/constants.js';
import { ApplicationConfig, DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { RoutePathFactory } from '@nestjs/core/router/route-path-factory.js';
import { X402_PRICE_METADATA, type PriceMetadata } from '../pricing/price-metadata.js';
import { RoutePricingService } from '../pricing/route-pricing.service.js';
import type { RoutePlan } from '../pricing/route-plan.types.js';

/** One route that carries x402 metadata: priced (with its plan) or explicitly free. */
export interface X402Route {
  controller: Type<unknown>;
  handler: Function;
  methodName: string;
  /** HTTP methods, upper case (`GET`); `@All()` gives every method. */
  methods: string[];
  /** Full Nest paths (`/api/v1/weather/forecast/:city`), one per alias or URI version. */
  paths: string[];
  /** The pricing plan; absent on `@Free` routes. */
  plan?: RoutePlan;
}

/** Where the routes are mounted: the application's configuration, or just a global prefix. */
export interface X402RouteExplorerOptions {
  /** The application's configuration (global prefix with its exclusions, URI versioning). */
  applicationConfig?: ApplicationConfig;
  /** A global prefix, when no `applicationConfig` is given. */
  globalPrefix?: string;
  /** Leave the global prefix out of the paths (as @nestjs/swagger's `ignoreGlobalPrefix`). */
  ignoreGlobalPrefix?: boolean;
}

const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'SEARCH'];

/**
 * Lists the routes of the application that `@Priced` or `@Free` applies to, with their full
 * paths and pricing plans: the one source that OpenAPI documentation and discovery read, so
 * that what they show is what the guard enforces.
 *
 * @example
 * const routes = X402RouteExplorer.fromApp(app).explore({ applicationConfig });
 * routes.filter((r) => r.plan).map((r) => `${r.methods[0]} ${r.paths[0]}`); // ['GET /weather/forecast/:city', ...]
 */
@Injectable()
export class X402RouteExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly pricing: RoutePricingService,
    private readonly modules: ModulesContainer,
  ) {}

  /** An explorer over an application (or testing module) that imports `X402Module`. */
  static fromApp(app: INestApplicationContext): X402RouteExplorer {
    return new X402RouteExplorer(
      app.get(DiscoveryService, { strict: false }),
      new MetadataScanner(),
      app.get(Reflector, { strict: false }),
      app.get(RoutePricingService, { strict: false }),
      app.get(ModulesContainer, { strict: false }),
    );
  }

  /** Every priced or explicitly free route. Throws `X402ConfigError` on a bad static price, as the boot does. */
  explore(options: X402RouteExplorerOptions = {}): X402Route[] {
    const config = options.applicationConfig ?? new ApplicationConfig();
    if (!options.applicationConfig && options.globalPrefix) config.setGlobalPrefix(options.globalPrefix);
    const globalPrefix = options.ignoreGlobalPrefix ? '' : config.getGlobalPrefix();
    const versioning = config.getVersioning();
    const factory = new RoutePathFactory(config);
    const routes: X402Route[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const { instance, metatype, host } = wrapper;
      if (!instance || !metatype) continue;
      const controller = metatype as Type<unknown>;
      const modulePath = host ? this.modulePath(host.metatype) : undefined;
      const prototype = Object.getPrototypeOf(instance);
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[methodName];
        const methodPath = Reflect.getMetadata(PATH_METADATA, handler);
        if (methodPath === undefined) continue; // not a route handler
        const metadata = this.reflector.getAllAndOverride<PriceMetadata | undefined>(X402_PRICE_METADATA, [handler, controller]);
        if (!metadata) continue;
        const requestMethod: RequestMethod = Reflect.getMetadata(METHOD_METADATA, handler) ?? RequestMethod.GET;
        const paths = factory.create(
          {
            ctrlPath: Reflect.getMetadata(PATH_METADATA, controller),
            methodPath,
            modulePath,
            globalPrefix,
            controllerVersion: this.controllerVersion(controller, versioning),
            methodVersion: Reflect.getMetadata(VERSION_METADATA, handler),
            versioningOptions: versioning,
          },
          requestMethod,
        );
        routes.push({
          controller,
          handler,
          methodName,
          methods: requestMethod === RequestMethod.ALL ? ALL_METHODS : [RequestMethod[requestMethod]],
          paths: [...new Set(paths)],
          plan: metadata.free ? undefined : this.pricing.planFor(controller, handler, metadata),
        });
      }
    }
    return routes;
  }

  private modulePath(moduleType: Type<unknown>): string | undefined {
    return Reflect.getMetadata(MODULE_PATH + this.modules.applicationId, moduleType) ?? Reflect.getMetadata(MODULE_PATH, moduleType);
  }

  private controllerVersion(controller: Type<unknown>, versioning: VersioningOptions | undefined) {
    if (versioning?.type !== VersioningType.URI) return undefined;
    return Reflect.getMetadata(VERSION_METADATA, controller) ?? versioning.defaultVersion;
  }
}
