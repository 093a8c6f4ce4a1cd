import type { PaymentLease } from './payment-method.js';

const ADMITTED = Symbol('x402:admitted');

interface Admitted {
  lease?: PaymentLease;
}

/** Marks a request as let in by a payment method, with the lease its interceptor drives (if any). */
export function admit(request: unknown, lease: PaymentLease | undefined): void {
  (request as Record<symbol, Admitted>)[ADMITTED] = { lease };
}

/** Whether a payment method already let the request in (the guard bound twice: on the controller and the method). */
export function isAdmitted(request: unknown): boolean {
  return (request as Record<symbol, Admitted | undefined>)?.[ADMITTED] !== undefined;
}

/** Takes the lease off the request, so that a second interceptor binding does not run it twice. */
export function takeLease(request: unknown): PaymentLease | undefined {
  const admitted = (request as Record<symbol, Admitted | undefined>)?.[ADMITTED];
  const lease = admitted?.lease;
  if (admitted) admitted.lease = undefined;
  return lease;
}
