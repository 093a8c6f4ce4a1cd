import { Module, type DynamicModule } from '@nestjs/common';
import { X402Module, type X402ModuleOptions } from '#x402';
import { InfoController } from './info.controller.js';
import { ReportsController } from './reports/reports.controller.js';
import { SearchController } from './search/search.controller.js';
import { WeatherController } from './weather/weather.controller.js';

@Module({})
export class AppModule {
  static register(x402: X402ModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [X402Module.forRoot(x402)],
      controllers: [InfoController, WeatherController, SearchController, ReportsController],
    };
  }
}
