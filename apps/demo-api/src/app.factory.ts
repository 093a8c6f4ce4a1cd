import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { X402_ALLOWED_HEADERS, X402_EXPOSED_HEADERS, type X402ModuleOptions } from '#x402';
import { randomBytes } from 'node:crypto';
import { AppModule } from './app.module.js';
import type { DemoDatabaseOptions } from './database.js';

export interface DemoAppOptions {
  logger?: false;
  /** Ledger database: PostgreSQL URL, or embedded PGlite (in memory unless `dataDir`). */
  database?: DemoDatabaseOptions;
  /** Bearer token of /admin; a random one when not given. */
  adminToken?: string;
}

/**
 * Creates the demo app (not yet listening): CORS that lets browsers pay, Swagger UI at `/docs`
 * and the document at `/openapi.json`.
 */
export async function createDemoApp(x402: X402ModuleOptions, options: DemoAppOptions = {}): Promise<INestApplication> {
  const adminToken = options.adminToken ?? randomBytes(18).toString('base64url');
  const app = await NestFactory.create(AppModule.register({ x402, database: options.database, adminToken }), {
    logger: options.logger ?? ['warn', 'error'],
  });
  app.enableCors({ exposedHeaders: X402_EXPOSED_HEADERS, allowedHeaders: ['Content-Type', 'Authorization', ...X402_ALLOWED_HEADERS] });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('x402 weather demo').setDescription('Weather data, paid per request in USDC with x402.').setVersion('1.0').build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  return app;
}
