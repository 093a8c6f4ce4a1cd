import type { Observable } from 'rxjs';
import type { PaymentRecord } from '../ledger/payment-store.interface.js';
import type { RouteOffer, RoutePlan } from '../pricing/route-plan.types.js';

/** A request as the payment methods read it: headers only (Node lower-cases their names). */
export type PaymentRequest = { headers: Record<string, string | string[] | undefined> };

/** One priced request on its way through the guard: what every payment method is given. */
export interface PaymentAttempt {
  request: PaymentRequest;
  plan: RoutePlan;
  offer: RouteOffer;
  /** The absolute URL of the resource (from `publicUrl` or the validated origin, and the routed path). */
  resourceUrl: string;
  /** The payment a method claimed in the ledger, once it did (for the event of a refusal). */
  claimed?: PaymentRecord;
}

/** What the handler's outcome looks like to a lease: the response object and the status it will answer. */
export interface LeaseContext {
  response: unknown;
  status: number;
  setHeader(name: string, value: string): void;
}

/**
 * A request's hold on its payment while the handler runs, handed from the payment method to the
 * interceptor. The interceptor names no method and no settlement mode: it calls `run` and nothing
 * else. `abort` is also called by the guard when the request ends without reaching the interceptor
 * (a global interceptor answering from cache, an exception filter, a client that went away), so a
 * claim never outlives its request.
 */
export interface PaymentLease {
  /** Runs the handler (the `handler` observable) and settles, records or releases the payment around it. */
  run(handler: () => Observable<unknown>, context: LeaseContext): Observable<unknown>;
  /** Gives the payment back without charging (idempotent; a no-op once `run` started). */
  abort(reason: string): Promise<void>;
}

/** A method's answer: let the handler run under `lease`, or pass the request on with why it did not pay. */
export type Admission = { admitted: true; lease?: PaymentLease } | { admitted: false; code: string; message: string };

/**
 * A way to pay for a priced route: a signed authorization, a transaction-hash proof, a paid session.
 * The guard asks each registered method, in `order`, whether it recognises the request; the first
 * that admits it lets the handler run. A request no method admits gets the route's 402, to which each
 * method may add (more `accepts`, extensions).
 *
 * A refusal is thrown: {@link PaymentRefusal} for a 402 (the guard turns it into the route's 402),
 * an `X402HttpException` for anything else (400, 409, 503).
 */
export interface PaymentMethod {
  /** Short name, e.g. `signed`, `tx-hash`, `session` (a route plan names the methods it needs). */
  readonly name: string;
  /** Lower runs first. */
  readonly order: number;
  /** Whether the request carries this method's payment (or proof of one) for this route. */
  recognises(request: PaymentRequest, plan: RoutePlan): boolean;
  admit(attempt: PaymentAttempt): Promise<Admission>;
  /** This method's part of a 402 without payment: the offer with its own `accepts` added. */
  quote?(attempt: PaymentAttempt, offer: RouteOffer): Promise<RouteOffer>;
  /** Extensions this method adds to every 402 of the route (e.g. `sign-in-with-x`, with a nonce it records); `undefined` when none. */
  extensions?(plan: RoutePlan, resourceUrl: string, networks: string[]): Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined;
}

/**
 * A payment refused with a 402: the guard answers with the route's payment requirements (of
 * `offer` when given), `code` as the stable error, and `extra` merged into the body and headers.
 */
export class PaymentRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly options: { offer?: RouteOffer; body?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }
}
