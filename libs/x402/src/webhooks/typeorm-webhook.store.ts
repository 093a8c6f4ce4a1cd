import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  webhookListLimit,
  type X402NewWebhookDelivery,
  type X402WebhookAttemptResult,
  type X402WebhookDelivery,
  type X402WebhookListQuery,
  type X402StoredWebhookEndpoint,
  type X402WebhookStore,
} from './webhook-store.interface.js';

type Row = Record<string, any>;

/** `pg` returns the rows of UPDATE ... RETURNING as `[rows, count]` through TypeORM; PGlite may not. */
function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0];
  return Array.isArray(result) ? (result as Row[]) : [];
}

const date = (value: unknown) => (value == null ? undefined : new Date(value as string));

function toDelivery(row: Row): X402WebhookDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    endpointId: row.endpoint_id,
    receiptId: row.receipt_id ?? undefined,
    body: row.body,
    state: row.state,
    attempts: Number(row.attempts),
    nextAttemptAt: new Date(row.next_attempt_at),
    lockedUntil: date(row.locked_until),
    retryUntil: new Date(row.retry_until),
    lastStatus: row.last_status == null ? undefined : Number(row.last_status),
    lastError: row.last_error ?? undefined,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    deliveredAt: date(row.delivered_at),
  };
}

/**
 * Deliveries in the ledger's database (table `x402_webhook_deliveries`, created by the
 * `X402WebhookDeliveries1764000000004` migration of `X402_MIGRATIONS`): they survive restarts, and the
 * workers of several app instances share them (`FOR UPDATE SKIP LOCKED`, then a lease), so each
 * delivery is sent by one worker at a time. Works on PostgreSQL and the embedded PGlite.
 *
 * @example
 * X402WebhooksModule.forRootAsync({
 *   inject: [DataSource],
 *   useFactory: (dataSource: DataSource) => ({ endpoints, store: new TypeOrmWebhookStore(dataSource) }),
 * })
 */
export class TypeOrmWebhookStore implements X402WebhookStore {
  constructor(private readonly dataSource: DataSource) {}

  async enqueue(deliveries: X402NewWebhookDelivery[]): Promise<number> {
    if (deliveries.length === 0) return 0;
    const values: unknown[] = [];
    const tuples = deliveries.map((d, i) => {
      values.push(randomUUID(), d.eventId, d.eventType, d.endpointId, d.receiptId ?? null, d.body, d.retryUntil);
      const p = i * 7;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7})`;
    });
    const rows = rowsOf(
      await this.dataSource.query(
        `INSERT INTO x402_webhook_deliveries (id, event_id, event_type, endpoint_id, receipt_id, body, retry_until)
         VALUES ${tuples.join(', ')}
         ON CONFLICT (endpoint_id, event_id) DO NOTHING
         RETURNING id`,
        values,
      ),
    );
    return rows.length;
  }

  async takeDue(limit: number, leaseMs: number): Promise<X402WebhookDelivery[]> {
    const rows = rowsOf(
      await this.dataSource.query(
        `UPDATE x402_webhook_deliveries d
         SET state = 'delivering', attempts = d.attempts + 1, locked_until = now() + make_interval(secs => $2::double precision / 1000), updated_at = now()
         WHERE d.id IN (
           SELECT id FROM x402_webhook_deliveries
           WHERE (state = 'pending' AND next_attempt_at <= now()) OR (state = 'delivering' AND locked_until < now())
           ORDER BY next_attempt_at
           LIMIT $1
           FOR UPDATE SKIP LOCKED
         )
         RETURNING d.*`,
        [limit, leaseMs],
      ),
    );
    return rows.map(toDelivery);
  }

  async finish(id: string, attempt: number, result: X402WebhookAttemptResult): Promise<boolean> {
    const rows = rowsOf(
      await this.dataSource.query(
        `UPDATE x402_webhook_deliveries
         SET state = $3::text, locked_until = NULL, last_status = $4::integer,
             last_error = CASE WHEN $3::text = 'delivered' THEN NULL ELSE $5::text END,
             next_attempt_at = COALESCE($6::timestamptz, next_attempt_at),
             delivered_at = CASE WHEN $3::text = 'delivered' THEN now() ELSE delivered_at END,
             updated_at = now()
         WHERE id = $1 AND state = 'delivering' AND attempts = $2
         RETURNING id`,
        [id, attempt, result.state, result.status ?? null, result.error?.slice(0, 500) ?? null, result.nextAttemptAt ?? null],
      ),
    );
    return rows.length > 0;
  }

  async list(query: X402WebhookListQuery = {}): Promise<X402WebhookDelivery[]> {
    const limit = webhookListLimit(query.limit);
    const rows = query.state
      ? await this.dataSource.query(`SELECT * FROM x402_webhook_deliveries WHERE state = $1 ORDER BY created_at DESC, id LIMIT $2`, [query.state, limit])
      : await this.dataSource.query(`SELECT * FROM x402_webhook_deliveries ORDER BY created_at DESC, id LIMIT $1`, [limit]);
    return (rows as Row[]).map(toDelivery);
  }

  async findById(id: string): Promise<X402WebhookDelivery | undefined> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
    const rows = (await this.dataSource.query(`SELECT * FROM x402_webhook_deliveries WHERE id = $1`, [id])) as Row[];
    return rows[0] && toDelivery(rows[0]);
  }

  async redeliver(id: string, retryUntil: Date): Promise<X402WebhookDelivery | undefined> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
    const rows = rowsOf(
      await this.dataSource.query(
        `UPDATE x402_webhook_deliveries SET state = 'pending', next_attempt_at = now(), retry_until = $2, updated_at = now()
         WHERE id = $1 AND state <> 'delivering'
         RETURNING *`,
        [id, retryUntil],
      ),
    );
    return rows[0] && toDelivery(rows[0]);
  }

  async purge(before: Date): Promise<number> {
    return rowsOf(await this.dataSource.query(`DELETE FROM x402_webhook_deliveries WHERE state IN ('delivered', 'failed') AND updated_at < $1 RETURNING id`, [before])).length;
  }

  async listEndpoints(): Promise<X402StoredWebhookEndpoint[]> {
    const rows = (await this.dataSource.query(`SELECT * FROM x402_webhook_endpoints ORDER BY created_at, id`)) as Row[];
    return rows.map((row) => ({
      id: row.id,
      url: row.url,
      secret: row.secret,
      events: (typeof row.events === 'string' ? JSON.parse(row.events) : row.events) as X402StoredWebhookEndpoint['events'],
      createdAt: new Date(row.created_at),
    }));
  }

  async addEndpoint(endpoint: Omit<X402StoredWebhookEndpoint, 'createdAt'>): Promise<boolean> {
    const rows = rowsOf(
      await this.dataSource.query(
        `INSERT INTO x402_webhook_endpoints (id, url, secret, events) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [endpoint.id, endpoint.url, endpoint.secret, JSON.stringify(endpoint.events)],
      ),
    );
    return rows.length > 0;
  }

  async removeEndpoint(id: string): Promise<boolean> {
    return rowsOf(await this.dataSource.query(`DELETE FROM x402_webhook_endpoints WHERE id = $1 RETURNING id`, [id])).length > 0;
  }
}
