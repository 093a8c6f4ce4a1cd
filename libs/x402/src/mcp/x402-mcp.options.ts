import type { X402Route } from '../discovery/x402-route.explorer.js';

/** Injection token of the {@link X402McpOptions} given to `X402McpModule.forRoot`. */
export const X402_MCP_OPTIONS = Symbol('x402:mcp-options');

/** Options of `X402McpModule.forRoot`. All optional. */
export interface X402McpOptions {
  /** Path of the MCP endpoint (Streamable HTTP), under the global prefix if the app sets one. Default `mcp`. */
  path?: string;
  /** The global prefix the app sets with `setGlobalPrefix`: the tools call the routes under it. */
  globalPrefix?: string;
  /** Name the MCP server gives in its `initialize` answer. Default `nestjs-x402`. */
  name?: string;
  /** Version the MCP server gives in its `initialize` answer. Default `1.0.0`. */
  version?: string;
  /** Instructions for the agent, sent in the `initialize` answer. */
  instructions?: string;
  /** Which of the priced and `@Free` routes become tools. Default: all of them. */
  filter?: (route: X402Route) => boolean;
  /**
   * Headers of the MCP request passed on to the route (besides `host`), e.g. credentials that other
   * guards of the route read. Default `['authorization', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']`.
   */
  forwardHeaders?: string[];
  /**
   * Where a tool call sends its HTTP request. Default: the app's own listening server on the loopback
   * interface (`http://127.0.0.1:<port>`); set it when the app listens on TLS or a Unix socket.
   */
  baseUrl?: string;
  /** Time limit of a tool call's HTTP request, in ms (it includes settlement). Default 60 000. */
  timeoutMs?: number;
}
