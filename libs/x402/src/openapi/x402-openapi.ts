import { Logger, type INestApplicationContext } from '@nestjs/common';
import type { ApplicationConfig } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { X402Config } from '../config/x402.config.js';
import { BAZAAR, bazaarResourceServerExtension } from '@x402/extensions/bazaar';
import { X402_DISCOVERY_METADATA } from '../discovery/discoverable.decorator.js';
import { bazaarDeclaration } from '../discovery/route-extensions.js';
import { toOpenApiPath } from '../discovery/route-path.js';
import { X402RouteExplorer, type X402Route } from '../discovery/x402-route.explorer.js';
import { X402ErrorCode } from '../x402.errors.js';
import { X402ResourceServerHost } from '../x402.resource-server.js';
import { X402_CONFIG } from '../x402.tokens.js';
import { discoverableFromOperation, type DescribedOperation } from './operation-discovery.js';
import { paymentInfoFor, priceDescription, priceLabel, X_PAYMENT_INFO, type X402PaymentInfo } from './payment-info.js';
import { PAYMENT_PROOF_PARAMETER } from './payment-proof.parameter.js';
import {
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_REQUIRED_HEADER_OBJECT,
  PAYMENT_RESPONSE_HEADER,
  PAYMENT_RESPONSE_HEADER_OBJECT,
  PAYMENT_SIGNATURE_PARAMETER,
  X402_SCHEMA_NAMES,
  x402ComponentSchemas,
} from './payment-required.schema.js';

/** Options of {@link applyX402ToDocument}. */
export interface X402OpenApiOptions {
  /** Set when the document was created with @nestjs/swagger's `ignoreGlobalPrefix`. */
  ignoreGlobalPrefix?: boolean;
  /** Prefix each priced operation's summary with its price, e.g. `$0.01 · USDC` (default true). */
  summaryPrefix?: boolean;
  /**
   * Describe each priced route without `@Discoverable` in its 402 too (the x402 `bazaar` extension,
   * also listed by `/.well-known/x402`): input and output schemas and examples read from its
   * operation in this document, i.e. from its DTOs and Swagger decorators (default true). A route
   * whose operation documents no JSON success response is left undescribed.
   */
  describeRoutes?: boolean;
  /**
   * Say `security: []` on every operation that declares no security, when the document has no
   * global `security` (default true). OpenAPI reads both the same way; agent tools read an absent
   * `security` as an unknown auth mode.
   */
  explicitSecurity?: boolean;
  /**
   * Short guidance for agents (how to pay, how to call), published as `info.x-guidance`: what
   * OpenAPI-first agent tools read before calling. Keep it under ~4000 characters.
   */
  guidance?: string;
}

/** The slice of an OpenAPI operation this module reads and writes. */
interface Operation {
  operationId?: string;
  security?: unknown[];
  summary?: string;
  description?: string;
  parameters?: Array<{ name?: string; in?: string; $ref?: string }>;
  responses?: Record<string, { description?: string; headers?: Record<string, unknown>; content?: Record<string, unknown> }>;
  [extension: `x-${string}`]: unknown;
}

const FREE_NOTE = 'Free: no x402 payment required.';
const logger = new Logger('X402');

function operationsOf(document: OpenAPIObject, route: X402Route): Operation[] {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation | undefined>>;
  const found = new Set<Operation>();
  for (const path of route.paths) {
    for (const method of route.methods) {
      const operation = paths[toOpenApiPath(path)]?.[method.toLowerCase()];
      if (operation) found.add(operation);
    }
  }
  if (found.size === 0) {
    // A custom path layout we did not reproduce: fall back to @nestjs/swagger's default operationId.
    const id = `${route.controller.name}_${route.methodName}`;
    for (const item of Object.values(paths)) {
      for (const operation of Object.values(item ?? {})) {
        if (operation && typeof operation === 'object' && (operation.operationId === id || operation.operationId?.startsWith(`${id}_`))) found.add(operation);
      }
    }
  }
  return [...found];
}

function exampleBody(info: X402PaymentInfo): Record<string, unknown> | undefined {
  const { accepts } = info.protocols[0].x402;
  if (info.price.mode !== 'fixed') return undefined;
  return {
    x402Version: 2,
    error: X402ErrorCode.PaymentRequired,
    message: `payment required: $${info.price.amount}. Sign one of "accepts" and send it in the PAYMENT-SIGNATURE header.`,
    resource: { url: 'https://api.example.com/resource', description: '', mimeType: '' },
    accepts,
  };
}

function documentPriced(operation: Operation, info: X402PaymentInfo, options: X402OpenApiOptions): void {
  operation[X_PAYMENT_INFO] = info;
  const label = priceLabel(info);
  if (options.summaryPrefix !== false && !operation.summary?.startsWith(label)) {
    operation.summary = operation.summary ? `${label} — ${operation.summary}` : label;
  }
  const paragraph = priceDescription(info);
  if (!operation.description?.includes(paragraph)) {
    operation.description = operation.description ? `${operation.description}\n\n${paragraph}` : paragraph;
  }

  const parameters = (operation.parameters ??= []);
  if (!parameters.some((p) => p.in === 'header' && p.name?.toLowerCase() === PAYMENT_SIGNATURE_PARAMETER.name.toLowerCase())) {
    parameters.push({ ...PAYMENT_SIGNATURE_PARAMETER });
  }
  const proofs = info.protocols[0].x402.accepts.some((a) => a.scheme === 'tx-hash');
  if (proofs && !parameters.some((p) => p.in === 'header' && p.name?.toLowerCase() === PAYMENT_PROOF_PARAMETER.name.toLowerCase())) {
    parameters.push({ ...PAYMENT_PROOF_PARAMETER });
  }

  const responses = (operation.responses ??= {});
  for (const [status, response] of Object.entries(responses)) {
    if (/^2(\d\d|XX)$/.test(status)) response.headers = { ...response.headers, [PAYMENT_RESPONSE_HEADER]: PAYMENT_RESPONSE_HEADER_OBJECT };
  }
  const example = exampleBody(info);
  const existing = responses['402'] ?? {};
  responses['402'] = {
    ...existing,
    description: existing.description || `Payment required (${label}): the price and how to pay, in the ${PAYMENT_REQUIRED_HEADER} header and the body.`,
    headers: { ...existing.headers, [PAYMENT_REQUIRED_HEADER]: PAYMENT_REQUIRED_HEADER_OBJECT },
    content: existing.content ?? {
      'application/json': { schema: { $ref: `#/components/schemas/${X402_SCHEMA_NAMES.paymentRequired}` }, ...(example ? { example } : {}) },
    },
  };
}

/** Gives the discovery route of `X402DiscoveryModule` a summary (its controller does not depend on @nestjs/swagger). */
function documentDiscovery(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Record<string, Operation>>)) {
    const operation = item.get;
    if (path.endsWith('/.well-known/x402') && operation && !operation.summary) {
      operation.summary = 'x402 discovery: the priced resources of this API, with prices and payment requirements (free)';
    }
  }
}

/**
 * Gives a priced route without `@Discoverable` the `bazaar` declaration its operation describes, so
 * its 402 tells a caller what to send and what comes back. Derived, so one that does not validate
 * is left out with a warning rather than failing the boot.
 */
function describeRoute(app: INestApplicationContext, document: OpenAPIObject, route: X402Route, operation: Operation): void {
  const plan = route.plan!;
  if (Reflect.getMetadata(X402_DISCOVERY_METADATA, route.handler) || plan.extensions?.[BAZAAR.key]) return;
  const method = plan.route.slice(0, plan.route.indexOf(' '));
  const where = `the OpenAPI operation of ${route.controller.name}.${route.methodName}`;
  try {
    const options = discoverableFromOperation(operation as DescribedOperation, document, method);
    if (!options) return;
    const declaration = bazaarDeclaration(options, method, plan.route.slice(method.length + 1), where);
    const server = app.get(X402ResourceServerHost, { strict: false }).server;
    if (!server.hasExtension(BAZAAR.key)) server.registerExtension(bazaarResourceServerExtension);
    plan.extensions = { ...plan.extensions, [BAZAAR.key]: declaration };
    plan.offer = undefined; // a 402 built before carries no declaration
  } catch (error) {
    logger.warn(`${where} does not describe it for the bazaar extension: ${(error as Error).message}`);
  }
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** `security: []` on the operations that declare none: they need no authentication (payment aside). */
function declarePublic(document: OpenAPIObject): void {
  for (const item of Object.values((document.paths ?? {}) as Record<string, Record<string, Operation | undefined>>)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation && operation.security === undefined) operation.security = [];
    }
  }
}

function documentFree(operation: Operation): void {
  if (operation.description?.includes(FREE_NOTE)) return;
  operation.description = operation.description ? `${FREE_NOTE} ${operation.description}` : FREE_NOTE;
}

/**
 * Documents x402 prices in an OpenAPI document made by @nestjs/swagger, from the same `@Priced`
 * metadata and module configuration the guard enforces. Each priced operation gets
 * `x-payment-info`, a `402` response (schema of the body, `PAYMENT-REQUIRED` header), the optional
 * `PAYMENT-SIGNATURE` header parameter, `PAYMENT-RESPONSE` on its success responses and its price
 * in front of its summary; `@Free` routes of priced controllers say they are free. Priced routes
 * without `@Discoverable` get the `bazaar` declaration their operation describes (`describeRoutes`),
 * operations without security say `security: []` (`explicitSecurity`), and `guidance` becomes
 * `info.x-guidance`.
 * Operations are matched by path and method (global prefix, `RouterModule` paths and URI
 * versioning included), else by the default operationId. Mutates and returns `document`.
 *
 * @example
 * const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('API').build());
 * applyX402ToDocument(app, document, { guidance: 'Pay with x402: call a route, pay its 402, retry.' });
 * SwaggerModule.setup('docs', app, document);
 */
export function applyX402ToDocument<T extends OpenAPIObject>(app: INestApplicationContext, document: T, options: X402OpenApiOptions = {}): T {
  const config = app.get<X402Config>(X402_CONFIG, { strict: false });
  const applicationConfig = (app as unknown as { config?: ApplicationConfig }).config;
  const routes = X402RouteExplorer.fromApp(app).explore({ applicationConfig, ignoreGlobalPrefix: options.ignoreGlobalPrefix });
  let priced = 0;
  for (const route of routes) {
    const operations = operationsOf(document, route);
    if (operations.length === 0) {
      if (route.plan) logger.warn(`no OpenAPI operation found for the priced route ${route.controller.name}.${route.methodName} (${route.paths.join(', ')}); its price is not documented`);
      continue;
    }
    const info = route.plan ? paymentInfoFor(route.plan, config.accepted) : undefined;
    for (const operation of operations) {
      if (info) documentPriced(operation, info, options);
      else documentFree(operation);
    }
    if (info) priced++;
    if (route.plan && options.describeRoutes !== false) describeRoute(app, document, route, operations[0]);
  }
  documentDiscovery(document);
  if (options.explicitSecurity !== false && !(document as OpenAPIObject).security?.length) declarePublic(document);
  if (options.guidance !== undefined) (document.info as unknown as Record<string, unknown>)['x-guidance'] = options.guidance;
  if (priced > 0) {
    const components = ((document as OpenAPIObject).components ??= {});
    components.schemas = { ...components.schemas, ...(x402ComponentSchemas() as NonNullable<typeof components.schemas>) };
  }
  return document;
}
