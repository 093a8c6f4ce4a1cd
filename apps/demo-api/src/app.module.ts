import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TypeOrmPaymentStore, X402Module, type X402ModuleOptions } from '#x402';
import { ADMIN_TOKEN, AdminTokenGuard } from './admin/admin-token.guard.js';
import { AdminController } from './admin/admin.controller.js';
import { typeOrmOptions, type DemoDatabaseOptions } from './database.js';
import { InfoController } from './info.controller.js';
import { ReportsController } from './reports/reports.controller.js';
import { SearchController } from './search/search.controller.js';
import { WeatherController } from './weather/weather.controller.js';

export interface DemoModuleOptions {
  x402: X402ModuleOptions;
  database?: DemoDatabaseOptions;
  adminToken: string;
}

@Module({})
export class AppModule {
  static register({ x402, database, adminToken }: DemoModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot(typeOrmOptions(database)),
        X402Module.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({ ...x402, store: new TypeOrmPaymentStore(dataSource) }),
        }),
      ],
      controllers: [InfoController, WeatherController, SearchController, ReportsController, AdminController],
      providers: [{ provide: ADMIN_TOKEN, useValue: adminToken }, AdminTokenGuard],
    };
  }
}
