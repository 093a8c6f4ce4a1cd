import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { X402RouteExplorer } from '../discovery/x402-route.explorer.js';
import { createX402McpController } from './x402-mcp.controller.js';
import { X402_MCP_OPTIONS, type X402McpOptions } from './x402-mcp.options.js';
import { X402McpService } from './x402-mcp.service.js';

/**
 * Opt-in MCP server: serves the app's priced and `@Free` routes as MCP tools over Streamable HTTP
 * at `/mcp`. A tool call is an HTTP request to the route itself, so it is charged, recorded and
 * settled exactly as over HTTP; the client pays in `params._meta["x402/payment"]` (x402 MCP
 * transport). Needs `X402Module` (global) in the application and `@modelcontextprotocol/sdk` installed.
 *
 * @example
 * @Module({ imports: [X402Module.forRoot(options), X402McpModule.forRoot()] })
 * export class AppModule {}
 */
@Module({})
export class X402McpModule {
  /** The module with its endpoint at `options.path` (default `mcp`). */
  static forRoot(options: X402McpOptions = {}): DynamicModule {
    return {
      module: X402McpModule,
      imports: [DiscoveryModule],
      controllers: [createX402McpController(options.path ?? 'mcp')],
      providers: [{ provide: X402_MCP_OPTIONS, useValue: options }, X402RouteExplorer, X402McpService],
      exports: [X402McpService],
    };
  }
}
