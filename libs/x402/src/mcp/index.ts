/**
 * `@nestjs-x402/core/mcp`: the app's priced and `@Free` routes as paid MCP tools (Streamable HTTP at
 * `/mcp`), following the x402 MCP transport: the client pays in `params._meta["x402/payment"]`, an
 * unpaid call answers `isError` with the `PaymentRequired`, a paid one carries the settlement in
 * `_meta["x402/payment-response"]`. Needs `@modelcontextprotocol/sdk`.
 *
 * @example
 * ```ts
 * import { X402McpModule } from '@nestjs-x402/core/mcp';
 *
 * @Module({ imports: [X402Module.forRoot(options), X402McpModule.forRoot()] })
 * export class AppModule {}
 * ```
 */
export { X402McpModule } from './x402-mcp.module.js';
export { X402McpService } from './x402-mcp.service.js';
export { X402_MCP_OPTIONS, type X402McpOptions } from './x402-mcp.options.js';
export { routeTool, routeTools, type JsonSchema, type McpRouteTool } from './mcp-tool.js';
export {
  MCP_INVALID_ARGUMENTS,
  MCP_PAYMENT_META,
  MCP_PAYMENT_RESPONSE_META,
  toolRequest,
  toolResult,
  toolError,
  type ToolHttpRequest,
  type ToolHttpResponse,
} from './mcp-tool-call.js';
