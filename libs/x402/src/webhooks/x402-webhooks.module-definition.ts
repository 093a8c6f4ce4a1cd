import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { X402WebhooksOptions } from './x402-webhooks.options.js';

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } = new ConfigurableModuleBuilder<X402WebhooksOptions>().setClassMethodName('forRoot').build();

/** Base class of `X402WebhooksModule`, with `forRoot` and `forRootAsync`. */
export const X402WebhooksConfigurableModule = ConfigurableModuleClass;

/** Injection token of the options given to `X402WebhooksModule.forRoot` / `forRootAsync`, as given. */
export const X402_WEBHOOKS_MODULE_OPTIONS = MODULE_OPTIONS_TOKEN;

/** Injection token of the validated {@link X402WebhooksConfig}. */
export const X402_WEBHOOKS_CONFIG = Symbol('x402:WebhooksConfig');
