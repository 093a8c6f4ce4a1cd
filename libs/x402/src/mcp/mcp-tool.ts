import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import type { AcceptedNetwork } from '../config/x402.config.js';
import { X402_DISCOVERY_METADATA, type DiscoverableOptions } from '../discovery/discoverable.decorator.js';
import { toOpenApiPath } from '../discovery/route-path.js';
import type { X402Route } from '../discovery/x402-route.explorer.js';
import { paymentInfoFor, priceLabel } from '../openapi/payment-info.js';

// @nestjs/swagger's metadata keys, read as plain strings so that this entry point never loads Swagger.
const SWAGGER_OPERATION = 'swagger/apiOperation';
const SWAGGER_PARAMETERS = 'swagger/apiParameters';

// Nest's `RouteParamtypes.BODY` and `.QUERY` (the keys of its route-argument metadata, `<type>:<index>`).
const BODY_ARG = 3;
const QUERY_ARG = 4;

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** MCP tool names: 1 to 128 of these characters. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** A JSON Schema object, as MCP tools declare their input. */
export type JsonSchema = Record<string, unknown>;

/** One route served as an MCP tool: what `tools/list` shows and how a call becomes an HTTP request. */
export interface McpRouteTool {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, JsonSchema>; required?: string[] };
  /** HTTP method of the request the tool makes. */
  method: string;
  /** The route's OpenAPI path template (`/weather/forecast/{city}`), global prefix included. */
  path: string;
  /** Names of the path parameters (filled from the arguments, required). */
  pathParams: string[];
  /** Argument names sent in the query string; on a body method, every other argument goes in the JSON body. */
  queryParams: string[];
  /** Whether the route is priced (a free route never answers 402). */
  priced: boolean;
}

interface SwaggerParameter {
  name?: string;
  in?: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
  type?: unknown;
  enum?: unknown[];
  example?: unknown;
}

/** `String` -> `{ type: 'string' }`, for the constructors Swagger and `design:paramtypes` use. */
function typeSchema(type: unknown): JsonSchema {
  if (type === Number) return { type: 'number' };
  if (type === Boolean) return { type: 'boolean' };
  if (type === String) return { type: 'string' };
  if (typeof type === 'string' && ['string', 'number', 'integer', 'boolean', 'object', 'array'].includes(type)) return { type };
  return {};
}

function swaggerParameterSchema(parameter: SwaggerParameter): JsonSchema {
  const schema: JsonSchema = { ...typeSchema(parameter.type), ...(parameter.schema ?? {}) };
  if (parameter.enum) schema.enum = parameter.enum;
  if (parameter.description) schema.description = parameter.description;
  if (parameter.example !== undefined) schema.examples = [parameter.example];
  return schema;
}

function objectSchema(schema: unknown): { properties: Record<string, JsonSchema>; required: string[] } | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  const { properties, required } = schema as { properties?: Record<string, JsonSchema>; required?: unknown };
  if (!properties || typeof properties !== 'object') return undefined;
  return { properties, required: Array.isArray(required) ? required.filter((r): r is string => typeof r === 'string') : [] };
}

/** `WeatherController.forecast` -> `weather_forecast`. */
function defaultName(route: X402Route): string {
  const controller = route.controller.name.replace(/Controller$/, '') || route.controller.name;
  return `${controller}_${route.methodName}`
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .toLowerCase()
    .slice(0, 128);
}

/**
 * The MCP tool of a priced or free route. Its name is Swagger's `operationId` when it is a valid tool
 * name, else `<controller>_<method>` in snake case; its description is the `@Priced` description (else
 * Swagger's summary, else the route) followed by the price; its input schema merges, by parameter name,
 * what the route declares: `@Discoverable` schemas, Swagger `@ApiParam`/`@ApiQuery`/`@ApiBody`, and the
 * handler's `@Param('x')`/`@Query('x')`/`@Body('x')` arguments. Tool arguments are flat: path
 * parameters fill the path, query parameters the query string, the rest the JSON body (body methods).
 */
export function routeTool(route: X402Route, accepted: readonly AcceptedNetwork[]): McpRouteTool {
  const method = route.methods[0];
  const path = toOpenApiPath(route.paths[0]);
  const hasBody = BODY_METHODS.has(method);
  const properties: Record<string, JsonSchema> = {};
  const required = new Set<string>();
  const query = new Set<string>();
  const add = (name: string, schema: JsonSchema, isRequired: boolean) => {
    properties[name] = { ...(properties[name] ?? {}), ...schema };
    if (isRequired) required.add(name);
  };

  const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  for (const name of pathParams) add(name, { type: 'string' }, true);

  // The handler's own arguments: `@Param('city')`, `@Query('days')`, `@Body('text')`, with their types.
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, route.controller, route.methodName) ?? {}) as Record<string, { index: number; data?: unknown }>;
  const types = (Reflect.getMetadata('design:paramtypes', route.controller.prototype as object, route.methodName) ?? []) as unknown[];
  for (const [key, arg] of Object.entries(args)) {
    const kind = Number(key.split(':')[0]);
    if (typeof arg.data !== 'string') continue;
    if (kind === QUERY_ARG) {
      query.add(arg.data);
      add(arg.data, typeSchema(types[arg.index]), false);
    } else if (kind === BODY_ARG && hasBody) {
      add(arg.data, typeSchema(types[arg.index]), false);
    }
  }

  // Swagger's declarations.
  const operation = Reflect.getMetadata(SWAGGER_OPERATION, route.handler) as { summary?: string; description?: string; operationId?: string } | undefined;
  const parameters = (Reflect.getMetadata(SWAGGER_PARAMETERS, route.handler) ?? []) as SwaggerParameter[];
  for (const parameter of parameters) {
    if (parameter.in === 'path' && parameter.name && pathParams.includes(parameter.name)) add(parameter.name, swaggerParameterSchema(parameter), true);
    else if (parameter.in === 'query' && parameter.name) {
      query.add(parameter.name);
      add(parameter.name, swaggerParameterSchema(parameter), parameter.required !== false);
    } else if (parameter.in === 'body' && hasBody) {
      const body = objectSchema(parameter.schema);
      for (const [name, schema] of Object.entries(body?.properties ?? {})) add(name, schema, body!.required.includes(name));
    }
  }

  // `@Discoverable`: the bazaar declaration, the most precise (its schemas are validated at boot).
  const discoverable = Reflect.getMetadata(X402_DISCOVERY_METADATA, route.handler) as DiscoverableOptions | undefined;
  if (discoverable) {
    const pathSchema = objectSchema(discoverable.pathParamsSchema);
    for (const [name, schema] of Object.entries(pathSchema?.properties ?? {})) if (pathParams.includes(name)) add(name, schema, true);
    const input = objectSchema(discoverable.inputSchema);
    for (const [name, schema] of Object.entries(input?.properties ?? {})) {
      if (!hasBody) query.add(name);
      add(name, schema, input!.required.includes(name));
    }
  }

  const summary = route.plan?.options.description ?? operation?.summary ?? operation?.description ?? `${method} ${path}`;
  const price = route.plan
    ? `Price: ${priceLabel(paymentInfoFor(route.plan, accepted))} (x402: pay by sending a PaymentPayload in params._meta["x402/payment"]).`
    : 'Free.';
  const operationId = operation?.operationId;
  return {
    name: operationId && TOOL_NAME.test(operationId) ? operationId : defaultName(route),
    description: `${summary.replace(/\.?\s*$/, '.')} ${price}`,
    inputSchema: { type: 'object', properties, ...(required.size > 0 ? { required: [...required] } : {}) },
    method,
    path,
    pathParams,
    queryParams: hasBody ? [...query] : [...new Set([...query, ...Object.keys(properties).filter((n) => !pathParams.includes(n))])],
    priced: route.plan !== undefined,
  };
}

/** The tools of a list of routes, with names made unique (`_2`, `_3`, ... on a clash). */
export function routeTools(routes: readonly X402Route[], accepted: readonly AcceptedNetwork[]): McpRouteTool[] {
  const seen = new Map<string, number>();
  return routes.map((route) => {
    const tool = routeTool(route, accepted);
    const count = (seen.get(tool.name) ?? 0) + 1;
    seen.set(tool.name, count);
    return count === 1 ? tool : { ...tool, name: `${tool.name.slice(0, 120)}_${count}` };
  });
}
