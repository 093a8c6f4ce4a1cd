import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { X402ModuleOptions } from './x402.options.js';

const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN,
} = new ConfigurableModuleBuilder<X402ModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** Base class of `X402Module`, with `forRoot` and `forRootAsync`. */
export const X402ConfigurableModule = ConfigurableModuleClass;

/**
 * Injection token of the options given to `X402Module.forRoot` / `forRootAsync`, as given (before validation).
 *
 * @example
 * constructor(@Inject(X402_MODULE_OPTIONS) options: X402ModuleOptions) {}
 */
export const X402_MODULE_OPTIONS = MODULE_OPTIONS_TOKEN;
