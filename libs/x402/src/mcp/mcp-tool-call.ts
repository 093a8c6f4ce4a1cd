import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import type { McpRouteTool } from './mcp-tool.js';

/** `_meta` key of a tool call's params carrying the client's x402 `PaymentPayload` (x402 MCP transport). */
export const MCP_PAYMENT_META = 'x402/payment';
/** `_meta` key of a tool result carrying the x402 `SettleResponse` (x402 MCP transport). */
export const MCP_PAYMENT_RESPONSE_META = 'x402/payment-response';
/** Stable code of a tool call whose arguments cannot make a request (a missing path parameter). */
export const MCP_INVALID_ARGUMENTS = 'invalid_tool_arguments';

/** The HTTP request a tool call makes: method, path with query string, JSON body. */
export interface ToolHttpRequest {
  method: string;
  path: string;
  body?: string;
}

/** The HTTP answer of a route, as the tool call maps it back. */
export interface ToolHttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A tool error result: `isError`, the object in `structuredContent` and as JSON text. */
export function toolError(structured: Record<string, unknown>, meta?: Record<string, unknown>): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured, ...(meta ? { _meta: meta } : {}) };
}

/**
 * The request of a call: path parameters fill the path template (required), query parameters go in the
 * query string (arrays repeated, objects as JSON), the other arguments in the JSON body of a body method.
 * Gives a tool error result instead when a path parameter is missing.
 */
export function toolRequest(tool: McpRouteTool, args: Record<string, unknown> = {}): { request: ToolHttpRequest } | { error: CallToolResult } {
  const missing = tool.pathParams.filter((name) => args[name] === undefined || args[name] === null || args[name] === '');
  if (missing.length > 0) {
    return { error: toolError({ error: { code: MCP_INVALID_ARGUMENTS, message: `missing argument${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` } }) };
  }
  // A parameter fills one segment: `.` and `..` are encoded too, so that no value moves the request to another route.
  const path = tool.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(text(args[name])).replace(/^\.{1,2}$/, (dots) => '%2E'.repeat(dots.length)));
  const query = new URLSearchParams();
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    if (tool.pathParams.includes(name) || value === undefined) continue;
    if (tool.queryParams.includes(name)) {
      for (const item of Array.isArray(value) ? value : [value]) query.append(name, text(item));
    } else if (tool.method !== 'GET' && tool.method !== 'HEAD' && tool.method !== 'DELETE' && tool.method !== 'OPTIONS') {
      body[name] = value;
    }
  }
  const search = query.toString();
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(tool.method);
  return { request: { method: tool.method, path: search ? `${path}?${search}` : path, ...(hasBody ? { body: JSON.stringify(body) } : {}) } };
}

function header(response: ToolHttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The tool result of a route's HTTP answer (x402 MCP transport binding):
 * - `2xx`: the body as text (and as `structuredContent` when it is a JSON object), with the settlement
 *   (decoded `PAYMENT-RESPONSE`) in `_meta["x402/payment-response"]` when the route was paid;
 * - `402`: `isError`, the x402 `PaymentRequired` (decoded `PAYMENT-REQUIRED`, whose `error` is the
 *   stable code) in `structuredContent` and as JSON text, plus a failed settlement's response in `_meta`;
 * - any other status: `isError`, the HTTP error body (`{ error: { code, message } }` for the module's
 *   errors) with its `status`.
 */
export function toolResult(response: ToolHttpResponse): CallToolResult {
  const paymentResponse = header(response, 'payment-response');
  let meta: Record<string, unknown> | undefined;
  if (paymentResponse) {
    try {
      meta = { [MCP_PAYMENT_RESPONSE_META]: decodePaymentResponseHeader(paymentResponse) };
    } catch {
      meta = undefined; // not ours to vouch for: left out rather than passed on undecoded
    }
  }
  const json = parseJson(response.body);
  if (response.status === 402) {
    const required = header(response, 'payment-required');
    let paymentRequired: Record<string, unknown> | undefined;
    if (required) {
      try {
        paymentRequired = decodePaymentRequiredHeader(required) as unknown as Record<string, unknown>;
      } catch {
        paymentRequired = undefined;
      }
    }
    return toolError(paymentRequired ?? (isObject(json) ? json : { x402Version: 2, error: 'payment_required', accepts: [] }), meta);
  }
  if (response.status < 200 || response.status >= 300) {
    return toolError({ status: response.status, ...(isObject(json) ? json : { error: { code: `http_${response.status}`, message: response.body } }) }, meta);
  }
  return {
    content: [{ type: 'text', text: response.body }],
    ...(isObject(json) ? { structuredContent: json } : {}),
    ...(meta ? { _meta: meta } : {}),
  };
}
