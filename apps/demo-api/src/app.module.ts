import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TypeOrmPaymentStore } from '@nestjs-x402/core/typeorm';
import { X402DiscoveryModule } from '@nestjs-x402/core/discovery';
import { X402LoggingModule } from '@nestjs-x402/core/logging';
import { X402McpModule } from '@nestjs-x402/core/mcp';
import { X402Module, X402SessionsModule, type X402ModuleOptions } from '@nestjs-x402/core';
import { X402ProofsModule } from '@nestjs-x402/core/proofs';
import { X402HealthModule } from '@nestjs-x402/core/health';
import { X402MetricsModule } from '@nestjs-x402/core/metrics';
import { TypeOrmWebhookStore, X402WebhooksModule, type X402WebhookEndpoint } from '@nestjs-x402/core/webhooks';
import { ADMIN_TOKEN, AdminTokenGuard } from './admin/admin-token.guard.js';
import { AdminController } from './admin/admin.controller.js';
import { DashboardController } from './admin/dashboard/dashboard.controller.js';
import { WebhooksAdminController } from './admin/webhooks-admin.controller.js';
import { MetricsController } from './metrics.controller.js';
import { AlertsController } from './alerts/alerts.controller.js';
import { ArchiveController } from './archive/archive.controller.js';
import { BulkController } from './bulk/bulk.controller.js';
import { HealthController } from './health.controller.js';
import { typeOrmOptions, type DemoDatabaseOptions } from './database.js';
import { InfoController } from './info.controller.js';
import { ReportsController } from './reports/reports.controller.js';
import { SearchController } from './search/search.controller.js';
import { WeatherController } from './weather/weather.controller.js';

export interface DemoModuleOptions {
  x402: X402ModuleOptions;
  database?: DemoDatabaseOptions;
  adminToken: string;
  /** Endpoints that receive payment events (none: deliveries are not recorded; the admin list is empty). */
  webhooks?: X402WebhookEndpoint[];
}

@Module({})
export class AppModule {
  static register({ x402, database, adminToken, webhooks = [] }: DemoModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot(typeOrmOptions(database)),
        // A devnet mines only when there is traffic: its latest block may be old without anything being wrong.
        X402HealthModule.forRoot({ maxBlockAgeSeconds: x402.networks.includes('eip155:31337') ? 365 * 86_400 : 120 }),
        X402Module.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({ ...x402, store: new TypeOrmPaymentStore(dataSource) }),
        }),
        X402DiscoveryModule.forRoot(), // GET /.well-known/x402
        X402ProofsModule.forRoot(), // transaction-hash payments (txProof routes), and GET /.well-known/x402/proofs/:reference
        X402SessionsModule, // paid sessions (routes with access): sign in instead of paying again
        X402MetricsModule.forRoot(), // its own registry, served at GET /metrics (admin token)
        X402LoggingModule.forRoot({ format: 'text' }), // one line per payment outcome, correlated by receipt id
        X402McpModule.forRoot({ name: 'x402-weather-demo', instructions: 'Weather data, paid per call in USDC with x402.' }), // the priced routes as MCP tools at /mcp
        // payment events POSTed to X402_WEBHOOK_URL, signed with X402_WEBHOOK_SECRET; deliveries kept in the ledger
        X402WebhooksModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({ endpoints: webhooks, store: new TypeOrmWebhookStore(dataSource) }),
        }),
      ],
      controllers: [InfoController, WeatherController, SearchController, ReportsController, AlertsController, BulkController, ArchiveController, AdminController, WebhooksAdminController, DashboardController, MetricsController, HealthController],
      providers: [{ provide: ADMIN_TOKEN, useValue: adminToken }, AdminTokenGuard],
    };
  }
}
