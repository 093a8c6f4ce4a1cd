import { Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { X402Config } from '../config/x402.config.js';
import { X402RouteExplorer } from '../discovery/x402-route.explorer.js';
import { X402_CONFIG } from '../x402.tokens.js';
import { MCP_PAYMENT_META, toolError, toolRequest, toolResult, type ToolHttpRequest, type ToolHttpResponse } from './mcp-tool-call.js';
import { routeTools, type McpRouteTool } from './mcp-tool.js';
import { X402_MCP_OPTIONS, type X402McpOptions } from './x402-mcp.options.js';

const DEFAULT_FORWARD_HEADERS = ['authorization', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'];
/** Headers of the MCP request the Streamable HTTP transport reads. */
const TRANSPORT_HEADERS = ['accept', 'content-type', 'mcp-protocol-version', 'mcp-session-id'];

type NodeRequest = { headers: IncomingHttpHeaders; body?: unknown };

/**
 * The MCP server of `X402McpModule`: lists the routes as tools and runs a tool call as an HTTP request
 * to the route on the app's own server, the payment in its `PAYMENT-SIGNATURE` header (`X-PAYMENT` for
 * an x402 v1 payload). The route's guard and interceptor do the rest, as for any HTTP client: price,
 * ledger, idempotency, settlement mode, events and metrics are the same.
 *
 * @example
 * const tools = app.get(X402McpService).tools().map((t) => t.name); // ['weather_forecast', ...]
 */
@Injectable()
export class X402McpService {
  private readonly logger = new Logger('X402Mcp');
  private cached?: McpRouteTool[];

  constructor(
    protected readonly explorer: X402RouteExplorer,
    protected readonly adapterHost: HttpAdapterHost,
    @Inject(X402_CONFIG) protected readonly config: X402Config,
    @Inject(X402_MCP_OPTIONS) protected readonly options: X402McpOptions,
  ) {}

  /** The tools, one per priced or `@Free` route (the first path and method of each), built once. */
  tools(): McpRouteTool[] {
    this.cached ??= routeTools(
      this.explorer.explore({ globalPrefix: this.options.globalPrefix }).filter((route) => this.options.filter?.(route) ?? true),
      this.config.accepted,
    );
    return this.cached;
  }

  /** Answers one MCP `POST` (JSON-RPC) on a fresh stateless server and transport. */
  async handle(request: unknown, response: unknown): Promise<void> {
    const incoming = request as NodeRequest;
    const server = this.createServer(incoming);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      const headers = new Headers();
      for (const name of TRANSPORT_HEADERS) {
        const value = incoming.headers[name];
        if (typeof value === 'string') headers.set(name, value);
      }
      const body = incoming.body === undefined ? undefined : JSON.stringify(incoming.body);
      const answer = await transport.handleRequest(new Request('http://localhost/mcp', { method: 'POST', headers, body }), { parsedBody: incoming.body });
      const text = await answer.text();
      const adapter = this.adapterHost.httpAdapter;
      answer.headers.forEach((value, name) => adapter.setHeader(response, name, value));
      adapter.reply(response, text === '' ? undefined : text, answer.status);
    } finally {
      await transport.close().catch(() => undefined);
      await server.close().catch(() => undefined);
    }
  }

  /** `405` with a JSON-RPC error, for `GET` and `DELETE` on the endpoint of a stateless server. */
  methodNotAllowed(response: unknown): void {
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Allow', 'POST');
    adapter.setHeader(response, 'Content-Type', 'application/json');
    adapter.reply(response, JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP server is stateless, send POST' }, id: null }), 405);
  }

  /** Runs one tool call: the route's HTTP request with the payment from `_meta`, its answer mapped back. */
  async call(name: string, args: Record<string, unknown> | undefined, payment: unknown, incoming?: NodeRequest): Promise<CallToolResult> {
    const tool = this.tools().find((t) => t.name === name);
    if (!tool) return toolError({ error: { code: 'unknown_tool', message: `no tool named "${name}"` } });
    const made = toolRequest(tool, args);
    if ('error' in made) return made.error;
    const { request } = made;
    const headers: OutgoingHttpHeaders = { accept: 'application/json' };
    for (const header of this.options.forwardHeaders ?? DEFAULT_FORWARD_HEADERS) {
      const value = incoming?.headers[header.toLowerCase()];
      if (value !== undefined) headers[header.toLowerCase()] = value;
    }
    if (incoming?.headers.host) headers.host = incoming.headers.host;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (payment !== undefined && payment !== null) {
      const encoded = typeof payment === 'string' ? payment : Buffer.from(JSON.stringify(payment)).toString('base64');
      const v1 = typeof payment === 'object' && (payment as { x402Version?: unknown }).x402Version === 1;
      headers[v1 ? 'x-payment' : 'payment-signature'] = encoded;
    }
    try {
      return toolResult(await this.send(request, headers));
    } catch (error) {
      this.logger.warn(`tool ${name}: ${(error as Error).message}`);
      return toolError({ status: 502, error: { code: 'tool_request_failed', message: `the route could not be called: ${(error as Error).message}` } });
    }
  }

  /** The MCP server of one request: `tools/list` and `tools/call`, with that request's headers at hand. */
  protected createServer(incoming: NodeRequest): Server {
    const server = new Server(
      { name: this.options.name ?? 'nestjs-x402', version: this.options.version ?? '1.0.0' },
      { capabilities: { tools: {} }, ...(this.options.instructions ? { instructions: this.options.instructions } : {}) },
    );
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: this.tools().map(({ name, description, inputSchema }) => ({ name, description, inputSchema })),
    }));
    server.setRequestHandler(CallToolRequestSchema, (request) =>
      this.call(request.params.name, request.params.arguments, request.params._meta?.[MCP_PAYMENT_META], incoming),
    );
    return server;
  }

  /** Where tool calls go: `baseUrl`, else the listening server on the loopback interface. */
  protected target(): URL {
    if (this.options.baseUrl) return new URL(this.options.baseUrl);
    const address = this.adapterHost.httpAdapter.getHttpServer()?.address() as AddressInfo | string | null;
    if (!address || typeof address === 'string') throw new Error('the app is not listening on a TCP port; set the "baseUrl" option of X402McpModule');
    const host = address.address === '::' || address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
    return new URL(`http://${address.family === 'IPv6' && host !== '127.0.0.1' ? `[${host}]` : host}:${address.port}`);
  }

  /** Sends the route's request to {@link target} and reads the whole answer. */
  protected send(request: ToolHttpRequest, headers: OutgoingHttpHeaders): Promise<ToolHttpResponse> {
    const target = this.target();
    const base = target.pathname.replace(/\/+$/, '');
    return new Promise((resolve, reject) => {
      const outgoing = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
        { protocol: target.protocol, hostname: target.hostname.replace(/^\[|\]$/g, ''), port: target.port, method: request.method, path: base + request.path, headers },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('error', reject);
          answer.on('end', () => resolve({ status: answer.statusCode ?? 500, headers: answer.headers, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      outgoing.setTimeout(this.options.timeoutMs ?? 60_000, () => outgoing.destroy(new Error('timed out')));
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
  }
}
