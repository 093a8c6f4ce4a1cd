import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { X402ModuleOptions } from './x402.options.js';

export const {
  ConfigurableModuleClass: X402ConfigurableModule,
  MODULE_OPTIONS_TOKEN: X402_MODULE_OPTIONS,
  OPTIONS_TYPE: X402_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: X402_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<X402ModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
