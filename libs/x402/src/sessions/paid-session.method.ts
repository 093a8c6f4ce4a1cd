import { Injectable } from '@nestjs/common';
import type { Admission, PaymentAttempt, PaymentMethod, PaymentRequest } from '../methods/payment-method.js';
import type { RoutePlan } from '../pricing/route-plan.types.js';
import { PaidAccessService } from './paid-access.service.js';

/** Request header of a `sign-in-with-x` proof (Node lower-cases header names). */
const SIGN_IN_HEADER = 'sign-in-with-x';

/**
 * Paid sessions as a payment method (`@Priced(price, { access: '1h' })`, with `X402SessionsModule`
 * imported): every 402 of the route declares the `sign-in-with-x` extension, and a payer who paid
 * within the window signs in instead of paying again. A sign-in that does not open the route passes
 * the request on (it may carry a payment too); without one, its reason is the 402's code.
 */
@Injectable()
export class PaidSessionMethod implements PaymentMethod {
  readonly name = 'session';
  readonly order = 20;

  constructor(private readonly access: PaidAccessService) {}

  recognises(request: PaymentRequest, plan: RoutePlan): boolean {
    return plan.accessMs !== undefined && typeof request.headers[SIGN_IN_HEADER] === 'string';
  }

  async admit(attempt: PaymentAttempt): Promise<Admission> {
    const decision = await this.access.decide(attempt.request.headers[SIGN_IN_HEADER] as string, attempt.plan, attempt.resourceUrl);
    // a paid session: the handler runs, nothing is charged, nothing to settle
    return decision.granted ? { admitted: true } : { admitted: false, code: decision.code, message: decision.message };
  }

  async extensions(plan: RoutePlan, resourceUrl: string, networks: string[]): Promise<Record<string, unknown> | undefined> {
    return plan.accessMs ? this.access.extensionFor(plan, resourceUrl, networks) : undefined;
  }
}
