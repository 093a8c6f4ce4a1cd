import type { X402WebhookEventType } from './webhook-event.js';

/**
 * Lifecycle of a delivery: `pending` (due at `nextAttemptAt`) -> `delivering` (a worker holds it until
 * `lockedUntil`) -> `delivered`, or back to `pending` for another attempt, or `failed` once its retry
 * window (`retryUntil`) is over. A worker that dies leaves it `delivering`; another takes it when the hold expires.
 */
export type X402WebhookDeliveryState = 'pending' | 'delivering' | 'delivered' | 'failed';

/** One event for one endpoint. Holds no secret and no URL: the endpoint is named by its id. */
export interface X402WebhookDelivery {
  id: string;
  /** The event's id (the same for every endpoint and every attempt). */
  eventId: string;
  eventType: X402WebhookEventType;
  endpointId: string;
  receiptId?: string;
  /** The JSON body sent, byte for byte on every attempt. */
  body: string;
  state: X402WebhookDeliveryState;
  /** Attempts started so far. */
  attempts: number;
  nextAttemptAt: Date;
  lockedUntil?: Date;
  retryUntil: Date;
  /** HTTP status of the last attempt, if the endpoint answered. */
  lastStatus?: number;
  /** Why the last attempt failed (`http_503`, `timeout`, `ECONNREFUSED`, ...). */
  lastError?: string;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt?: Date;
}

/** A delivery to record. */
export interface X402NewWebhookDelivery {
  eventId: string;
  eventType: X402WebhookEventType;
  endpointId: string;
  receiptId?: string;
  body: string;
  retryUntil: Date;
}

/** How an attempt ended: `delivered`, `pending` again (at `nextAttemptAt`) or `failed` for good. */
export interface X402WebhookAttemptResult {
  state: 'delivered' | 'pending' | 'failed';
  nextAttemptAt?: Date;
  status?: number;
  error?: string;
}

/** Filter of {@link X402WebhookStore.list}. */
export interface X402WebhookListQuery {
  state?: X402WebhookDeliveryState;
  /** Default 50, at most 500. */
  limit?: number;
}

/**
 * Where deliveries live until they are delivered. Every write is one atomic statement, so several
 * workers (app instances) on one database never take the same delivery at once.
 */
export interface X402WebhookStore {
  /** Records deliveries; one already recorded for the same endpoint and event id is left as it is. Returns how many were new. */
  enqueue(deliveries: X402NewWebhookDelivery[]): Promise<number>;
  /**
   * Takes up to `limit` deliveries that are due (pending and due, or delivering past their hold),
   * holding them for `leaseMs` and counting an attempt. Deliveries taken by one worker are skipped by the others.
   */
  takeDue(limit: number, leaseMs: number): Promise<X402WebhookDelivery[]>;
  /** Records the end of attempt number `attempt`; false if the delivery was taken again meanwhile (its hold expired). */
  finish(id: string, attempt: number, result: X402WebhookAttemptResult): Promise<boolean>;
  /** Deliveries, newest first. */
  list(query?: X402WebhookListQuery): Promise<X402WebhookDelivery[]>;
  findById(id: string): Promise<X402WebhookDelivery | undefined>;
  /**
   * Makes a delivery that is not being sent right now due again, retried until `retryUntil`.
   * Returns it, or `undefined` if there is no such delivery or a worker holds it.
   */
  redeliver(id: string, retryUntil: Date): Promise<X402WebhookDelivery | undefined>;
  /** Deletes delivered and failed deliveries last changed before `before`; returns how many. */
  purge(before: Date): Promise<number>;
  /** Endpoints added at run time; a store without these methods only has the configured ones. */
  listEndpoints?(): Promise<X402StoredWebhookEndpoint[]>;
  /** Adds an endpoint; false if one with this id exists. */
  addEndpoint?(endpoint: Omit<X402StoredWebhookEndpoint, 'createdAt'>): Promise<boolean>;
  /** Removes an endpoint (its pending deliveries are failed at their next attempt); false if there was none. */
  removeEndpoint?(id: string): Promise<boolean>;
}

/** An endpoint added at run time (admin API), kept in the store with its secret. */
export interface X402StoredWebhookEndpoint {
  id: string;
  url: string;
  /** Signs its deliveries. Stored as given: protect the database (and its backups) like the secret itself. */
  secret: string;
  events: X402WebhookEventType[];
  createdAt: Date;
}

/** Injection token of the {@link X402WebhookStore} of {@link X402WebhooksModule}. */
export const X402_WEBHOOK_STORE = Symbol('x402:WebhookStore');

/** The limit of a list query: default 50, at most 500. */
export function webhookListLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 50;
  return Math.min(500, Math.max(1, Math.floor(limit)));
}
