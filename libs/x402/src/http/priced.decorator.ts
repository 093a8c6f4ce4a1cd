import { applyDecorators, SetMetadata, UseGuards, UseInterceptors } from '@nestjs/common';
import { X402Guard } from './x402.guard.js';
import { X402Interceptor } from './x402.interceptor.js';
import type { UpToPrice } from '../upto/upto-price.js';
import type { PriceInput } from '../pricing/price.js';
import { X402_PRICE_METADATA, type PriceMetadata, type PricedOptions } from '../pricing/price-metadata.js';

export type { PricedOptions };

/**
 * Charges for a route (or every route of a controller; a method's own decorator wins).
 * The price is a USD amount paid in each accepted network's USD token, an atomic
 * `{ amount, asset }`, a function of the request (sync or async) for dynamic pricing, or a
 * usage price `{ upTo }`: the payer authorizes that maximum and the handler charges what the call
 * cost through `@X402Usage() usage: UsageMeter` (x402 `upto` scheme).
 *
 * @example
 * @Get('forecast')
 * @Priced('0.01', { description: 'Seven-day forecast' })
 * forecast() { ... }
 *
 * @Get('history/:city')
 * @Priced((req) => `0.00${req.query.days}`, { min: '0.001', max: '0.009' }) // bounds published and enforced
 * history() { ... }
 *
 * @Post('summarize')
 * @Priced({ upTo: '0.10' })
 * summarize(@Body() text: string, @X402Usage() usage: UsageMeter) { usage.charge('0.03'); ... }
 */
export function Priced(price: PriceInput | UpToPrice, options: PricedOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata<string, PriceMetadata>(X402_PRICE_METADATA, { price, options }),
    UseGuards(X402Guard),
    UseInterceptors(X402Interceptor),
  );
}

/**
 * Exempts one handler of a priced controller from payment.
 *
 * @example
 * @Priced('0.05') @Controller('reports')
 * class ReportsController { @Get('catalog') @Free() catalog() { ... } }
 */
export function Free(): MethodDecorator & ClassDecorator {
  return SetMetadata<string, PriceMetadata>(X402_PRICE_METADATA, { free: true });
}
