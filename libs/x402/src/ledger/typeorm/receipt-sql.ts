// Read-only reports of the TypeORM ledger: receipts and revenue.
import type { PaymentRecord, ReceiptFilter, RevenueQuery, RevenueRow } from '../payment-store.interface.js';
import { clampLimit } from '../receipt-queries.js';
import { toRecord, type Row, type Sql } from './sql-rows.js';

/** `to_char` formats of the revenue periods (the same strings as `periodOf` in memory). */
const PERIOD_FORMATS = { day: 'YYYY-MM-DD', hour: 'YYYY-MM-DD"T"HH24":00Z"', minute: 'YYYY-MM-DD"T"HH24:MI"Z"' } as const;

/** Receipts matching `filter`, newest first. */
export async function findReceiptsSql(sql: Sql, filter: ReceiptFilter): Promise<PaymentRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace('?', `$${params.length}`));
  };
  if (filter.id !== undefined) add('id = ?', filter.id);
  if (filter.payer !== undefined) add('lower(payer) = lower(?)', filter.payer);
  if (filter.route !== undefined) add('route = ?', filter.route);
  if (filter.state !== undefined) add('state = ?', filter.state);
  if (filter.from !== undefined) add('created_at >= ?', filter.from);
  if (filter.to !== undefined) add('created_at < ?', filter.to);
  const { limit, offset } = clampLimit(filter);
  const rows = await sql(
    `SELECT * FROM x402_payments ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, limit, offset],
  );
  return rows.map(toRecord);
}

/** Settled revenue per route or UTC period. */
export async function revenueSql(sql: Sql, query: RevenueQuery): Promise<RevenueRow[]> {
  const group = query.by === 'route' ? 'route' : `to_char(settled_at AT TIME ZONE 'UTC', '${PERIOD_FORMATS[query.by]}')`;
  const params: unknown[] = [];
  const where = [`state = 'settled'`];
  if (query.from) where.push(`settled_at >= $${params.push(query.from)}`);
  if (query.to) where.push(`settled_at < $${params.push(query.to)}`);
  const rows = await sql(
    `SELECT ${group} AS "group", network, asset, SUM(amount)::text AS amount, COUNT(*)::int AS payments
     FROM x402_payments WHERE ${where.join(' AND ')}
     GROUP BY 1, network, asset ORDER BY 1, network, asset`,
    params,
  );
  return rows.map((r: Row) => ({ group: r.group, network: r.network, asset: r.asset, amount: String(r.amount), payments: Number(r.payments) }));
}
