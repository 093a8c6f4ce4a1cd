import { Controller, Delete, Get, Inject, Post, Req, Res, type Type } from '@nestjs/common';
import { X402McpService } from './x402-mcp.service.js';

// @nestjs/swagger's `@ApiExcludeController()`, as metadata, so that this entry point never loads Swagger.
const SWAGGER_EXCLUDE_CONTROLLER = 'swagger/apiExcludeController';

/**
 * The MCP endpoint at `path`: `POST` carries JSON-RPC (stateless Streamable HTTP, JSON answers);
 * `GET` (a server-to-client stream) and `DELETE` (end of a session) answer 405, as a stateless server does.
 */
export function createX402McpController(path: string): Type<unknown> {
  @Controller(path)
  class X402McpController {
    constructor(@Inject(X402McpService) readonly mcp: X402McpService) {}

    @Post()
    async post(@Req() request: unknown, @Res() response: unknown): Promise<void> {
      await this.mcp.handle(request, response);
    }

    @Get()
    get(@Res() response: unknown): void {
      this.mcp.methodNotAllowed(response);
    }

    @Delete()
    delete(@Res() response: unknown): void {
      this.mcp.methodNotAllowed(response);
    }
  }
  Reflect.defineMetadata(SWAGGER_EXCLUDE_CONTROLLER, [true], X402McpController);
  return X402McpController;
}
