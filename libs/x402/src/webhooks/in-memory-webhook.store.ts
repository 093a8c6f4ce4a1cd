import { randomUUID } from 'node:crypto';
import {
  webhookListLimit,
  type X402NewWebhookDelivery,
  type X402WebhookAttemptResult,
  type X402WebhookDelivery,
  type X402WebhookListQuery,
  type X402StoredWebhookEndpoint,
  type X402WebhookStore,
} from './webhook-store.interface.js';

/**
 * Deliveries in this process's memory: for apps without the TypeORM ledger, and tests. What is not
 * delivered when the process stops is lost; use {@link TypeOrmWebhookStore} for deliveries that survive restarts.
 *
 * @example
 * X402WebhooksModule.forRoot({ endpoints, store: new InMemoryWebhookStore() });
 */
export class InMemoryWebhookStore implements X402WebhookStore {
  private readonly deliveries = new Map<string, X402WebhookDelivery>();
  private readonly keys = new Set<string>();
  private readonly endpoints = new Map<string, X402StoredWebhookEndpoint>();

  async enqueue(deliveries: X402NewWebhookDelivery[]): Promise<number> {
    let added = 0;
    const now = new Date();
    for (const d of deliveries) {
      const key = `${d.endpointId}\u0000${d.eventId}`;
      if (this.keys.has(key)) continue;
      this.keys.add(key);
      const id = randomUUID();
      this.deliveries.set(id, { ...d, id, state: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now, updatedAt: now });
      added++;
    }
    return added;
  }

  async takeDue(limit: number, leaseMs: number): Promise<X402WebhookDelivery[]> {
    const now = Date.now();
    const due = [...this.deliveries.values()]
      .filter((d) => (d.state === 'pending' && d.nextAttemptAt.getTime() <= now) || (d.state === 'delivering' && (d.lockedUntil?.getTime() ?? 0) < now))
      .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
      .slice(0, limit);
    for (const d of due) Object.assign(d, { state: 'delivering', attempts: d.attempts + 1, lockedUntil: new Date(now + leaseMs), updatedAt: new Date(now) });
    return due.map((d) => ({ ...d }));
  }

  async finish(id: string, attempt: number, result: X402WebhookAttemptResult): Promise<boolean> {
    const d = this.deliveries.get(id);
    if (!d || d.state !== 'delivering' || d.attempts !== attempt) return false;
    const now = new Date();
    Object.assign(d, {
      state: result.state,
      lockedUntil: undefined,
      lastStatus: result.status,
      lastError: result.state === 'delivered' ? undefined : result.error,
      nextAttemptAt: result.nextAttemptAt ?? d.nextAttemptAt,
      deliveredAt: result.state === 'delivered' ? now : d.deliveredAt,
      updatedAt: now,
    });
    return true;
  }

  async list(query: X402WebhookListQuery = {}): Promise<X402WebhookDelivery[]> {
    return [...this.deliveries.values()]
      .filter((d) => !query.state || d.state === query.state)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(0, webhookListLimit(query.limit))
      .map((d) => ({ ...d }));
  }

  async findById(id: string): Promise<X402WebhookDelivery | undefined> {
    const d = this.deliveries.get(id);
    return d && { ...d };
  }

  async redeliver(id: string, retryUntil: Date): Promise<X402WebhookDelivery | undefined> {
    const d = this.deliveries.get(id);
    if (!d || d.state === 'delivering') return undefined;
    const now = new Date();
    Object.assign(d, { state: 'pending', nextAttemptAt: now, retryUntil, updatedAt: now });
    return { ...d };
  }

  async purge(before: Date): Promise<number> {
    let removed = 0;
    for (const [id, d] of this.deliveries) {
      if ((d.state === 'delivered' || d.state === 'failed') && d.updatedAt.getTime() < before.getTime()) {
        this.deliveries.delete(id);
        this.keys.delete(`${d.endpointId}\u0000${d.eventId}`);
        removed++;
      }
    }
    return removed;
  }

  async listEndpoints(): Promise<X402StoredWebhookEndpoint[]> {
    return [...this.endpoints.values()].map((e) => ({ ...e, events: [...e.events] }));
  }

  async addEndpoint(endpoint: Omit<X402StoredWebhookEndpoint, 'createdAt'>): Promise<boolean> {
    if (this.endpoints.has(endpoint.id)) return false;
    this.endpoints.set(endpoint.id, { ...endpoint, events: [...endpoint.events], createdAt: new Date() });
    return true;
  }

  async removeEndpoint(id: string): Promise<boolean> {
    return this.endpoints.delete(id);
  }
}
