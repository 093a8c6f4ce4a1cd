import { type INestApplication, type NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { applyX402ToDocument } from '@nestjs-x402/core/openapi';
import { X402_ALLOWED_HEADERS, X402_EXPOSED_HEADERS, type X402ModuleOptions } from '@nestjs-x402/core';
import { randomBytes } from 'node:crypto';
import type { X402WebhookEndpoint } from '@nestjs-x402/core/webhooks';
import { ADMIN_SECURITY, ADMIN_SECURITY_SCHEME } from './admin/admin-token.guard.js';
import { AppModule } from './app.module.js';
import type { DemoDatabaseOptions } from './database.js';

export interface DemoAppOptions {
  logger?: false;
  /** HTTP platform: Express (default) or Fastify. The x402 module and Swagger UI work on both. */
  adapter?: 'express' | 'fastify';
  /** Ledger database: PostgreSQL URL, or embedded PGlite (in memory unless `dataDir`). */
  database?: DemoDatabaseOptions;
  /** Bearer token of /admin; a random one when not given. */
  adminToken?: string;
  /**
   * Behind a reverse proxy: trust its X-Forwarded-Host/-Proto (Express `trust proxy`, Fastify
   * `trustProxy`), e.g. `'loopback'` or a list of addresses. Off by default: clients cannot pick the URL.
   */
  trustProxy?: string | string[];
  /** Endpoints that receive payment events (`@nestjs-x402/core/webhooks`). */
  webhooks?: X402WebhookEndpoint[];
}

/** What an agent reads before its first call (`info.x-guidance`). */
const AGENT_GUIDANCE = [
  'Weather data paid per call in USDC with x402 v2; no account or API key.',
  'Call a priced route: it answers 402 with the price in the PAYMENT-REQUIRED header (base64 JSON; also the body).',
  'Sign one entry of `accepts` with an x402 client and retry with it in PAYMENT-SIGNATURE; the receipt comes back in PAYMENT-RESPONSE.',
  'Cities: GET /weather/cities (free). Each 402 also carries the input and output schemas of its route (extensions.bazaar).',
  'GET /weather/history/{city} costs $0.001 per day asked (days=1..365). GET /bulk/forecasts is usage-based (x402 upto): authorize $0.05, pay $0.01 per city.',
  'Paid reports (/reports/*) and /archive/{city}/climate keep access for a while: sign in with the sign-in-with-x extension of the 402 instead of paying again.',
  '/admin and /metrics need the operator token (Authorization: Bearer ...); agents do not need them.',
].join('\n');

/**
 * Creates the demo app (not yet listening): CORS that lets browsers pay, Swagger UI at `/docs`
 * and the document at `/openapi.json` with each route's x402 price.
 */
export async function createDemoApp(x402: X402ModuleOptions, options: DemoAppOptions = {}): Promise<INestApplication> {
  const adminToken = options.adminToken ?? randomBytes(18).toString('base64url');
  const module = AppModule.register({ x402, database: options.database, adminToken, webhooks: options.webhooks });
  const appOptions: NestApplicationOptions = { logger: options.logger ?? ['warn', 'error'], abortOnError: false };
  const app =
    options.adapter === 'fastify'
      ? await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(options.trustProxy ? { trustProxy: options.trustProxy } : {}), appOptions)
      : await NestFactory.create<NestExpressApplication>(module, appOptions);
  if (options.adapter !== 'fastify' && options.trustProxy) (app as NestExpressApplication).set('trust proxy', options.trustProxy);
  app.enableCors({ exposedHeaders: X402_EXPOSED_HEADERS, allowedHeaders: ['Content-Type', 'Authorization', ...X402_ALLOWED_HEADERS] });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('x402 weather demo')
      .setDescription('Weather data, paid per request in USDC with x402.')
      .setVersion('1.0')
      .addApiKey({ ...ADMIN_SECURITY_SCHEME }, ADMIN_SECURITY)
      .build(),
  );
  // x-payment-info, documented 402 and payment headers, price in the summary; each priced route
  // described in its 402 from its Swagger metadata; guidance for agents
  applyX402ToDocument(app, document, { guidance: AGENT_GUIDANCE });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  return app;
}
