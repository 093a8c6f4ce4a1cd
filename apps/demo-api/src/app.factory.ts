import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { X402_ALLOWED_HEADERS, X402_EXPOSED_HEADERS, type X402ModuleOptions } from '#x402';
import { AppModule } from './app.module.js';

/**
 * Creates the demo app (not yet listening): CORS that lets browsers pay, Swagger UI at `/docs`
 * and the document at `/openapi.json`.
 */
export async function createDemoApp(x402: X402ModuleOptions, options: { logger?: false } = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.register(x402), { logger: options.logger ?? ['log', 'warn', 'error'] });
  app.enableCors({ exposedHeaders: X402_EXPOSED_HEADERS, allowedHeaders: ['Content-Type', 'Authorization', ...X402_ALLOWED_HEADERS] });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('x402 weather demo').setDescription('Weather data, paid per request in USDC with x402.').setVersion('1.0').build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  return app;
}
