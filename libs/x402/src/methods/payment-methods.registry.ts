import { Injectable } from '@nestjs/common';
import type { PaymentMethod } from './payment-method.js';

/**
 * The payment methods of the app, in the order the guard asks them. The core module registers the
 * signed-authorization method; opt-in modules (`X402ProofsModule`, `X402SessionsModule`) add theirs
 * when the app imports them. A custom method is one provider that calls {@link register}.
 *
 * @example
 * constructor(registry: PaymentMethodRegistry, method: MyPaymentMethod) { registry.register(method); }
 */
@Injectable()
export class PaymentMethodRegistry {
  private methods: PaymentMethod[] = [];

  /** Adds a method (a second one of the same name replaces the first). */
  register(method: PaymentMethod): void {
    this.methods = [...this.methods.filter((m) => m.name !== method.name), method].sort((a, b) => a.order - b.order);
  }

  /** The registered methods, lowest `order` first. */
  all(): readonly PaymentMethod[] {
    return this.methods;
  }

  /** Whether a method of that name is registered. */
  has(name: string): boolean {
    return this.methods.some((m) => m.name === name);
  }
}

/** Injection token of the {@link PaymentMethodRegistry} (an alias of the class). */
export const X402_PAYMENT_METHODS = Symbol('x402:payment-methods');
