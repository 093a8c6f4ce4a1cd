/**
 * `@nestjs-x402/core/openapi`: prices in the OpenAPI document (`x-payment-info`, the documented 402 and
 * payment headers). Needs the optional peer `@nestjs/swagger`.
 *
 * @example
 * ```ts
 * import { applyX402ToDocument } from '@nestjs-x402/core/openapi';
 *
 * const document = applyX402ToDocument(app, SwaggerModule.createDocument(app, config));
 * SwaggerModule.setup('docs', app, document);
 * ```
 */
export { applyX402ToDocument, type X402OpenApiOptions } from './x402-openapi.js';
export { paymentInfoFor, priceLabel, X_PAYMENT_INFO, type X402AcceptedOption, type X402PaymentInfo, type X402PaymentInfoPrice } from './payment-info.js';
export { x402ComponentSchemas, X402_SCHEMA_NAMES } from './payment-required.schema.js';
