import { Module } from '@nestjs/common';
import { PaymentMethodRegistry } from '../methods/payment-methods.registry.js';
import { PaidAccessService } from './paid-access.service.js';
import { PaidSessionMethod } from './paid-session.method.js';

/**
 * Paid sessions (`@Priced(price, { access: '1h' })`): registers the `sign-in-with-x` payment method,
 * so a payer who paid for a resource signs in to it again within the window instead of paying.
 * Sessions live in the payment store's receipts (they survive restarts and work across instances).
 * Without this module a route with `access` stops the boot. Needs `X402Module` (global).
 *
 * @example
 * @Module({ imports: [X402Module.forRoot(options), X402SessionsModule] })
 * export class AppModule {}
 */
@Module({ providers: [PaidAccessService, PaidSessionMethod], exports: [PaidAccessService] })
export class X402SessionsModule {
  constructor(registry: PaymentMethodRegistry, method: PaidSessionMethod) {
    registry.register(method);
  }
}
