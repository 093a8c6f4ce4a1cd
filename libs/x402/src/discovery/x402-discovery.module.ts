import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { X402DiscoveryController } from './x402-discovery.controller.js';
import { X402_DISCOVERY_OPTIONS, X402DiscoveryService, type X402DiscoveryOptions } from './x402-discovery.service.js';
import { X402RouteExplorer } from './x402-route.explorer.js';

/**
 * Opt-in discovery: serves `GET /.well-known/x402`, the list of priced resources (URL, method,
 * description, price, accepts, bazaar declaration), built from the same metadata the guard
 * enforces. Needs `X402Module` (global) in the application.
 *
 * @example
 * @Module({ imports: [X402Module.forRoot(options), X402DiscoveryModule.forRoot()] })
 * export class AppModule {}
 */
@Module({})
export class X402DiscoveryModule {
  static forRoot(options: X402DiscoveryOptions = {}): DynamicModule {
    return {
      module: X402DiscoveryModule,
      imports: [DiscoveryModule],
      controllers: [X402DiscoveryController],
      providers: [{ provide: X402_DISCOVERY_OPTIONS, useValue: options }, X402RouteExplorer, X402DiscoveryService],
      exports: [X402DiscoveryService],
    };
  }
}
