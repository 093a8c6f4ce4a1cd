import type { PaymentRecord, ReceiptFilter, RevenueQuery, RevenueRow } from './payment-store.interface.js';

export const DEFAULT_RECEIPT_LIMIT = 100;
export const MAX_RECEIPT_LIMIT = 1000;

/** Largest offset a query takes (Postgres' bigint would take more; nobody pages that far). */
export const MAX_RECEIPT_OFFSET = 2 ** 31 - 1;

/**
 * The page of a receipt query as two safe integers, whatever the caller passed (`NaN`, a string
 * from a query parameter, `Infinity`, a fraction): limit 1 to 1000 (default 100), offset from 0.
 */
export function clampLimit(filter: ReceiptFilter): { limit: number; offset: number } {
  const number = (value: unknown, fallback: number) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : NaN;
    return Number.isNaN(n) ? fallback : Math.trunc(n);
  };
  const limit = Math.min(Math.max(number(filter.limit, DEFAULT_RECEIPT_LIMIT), 1), MAX_RECEIPT_LIMIT);
  const offset = Math.min(Math.max(number(filter.offset, 0), 0), MAX_RECEIPT_OFFSET);
  return { limit, offset };
}

/** In-memory evaluation of a {@link ReceiptFilter} (the SQL store does the same in its WHERE clause). */
export function matchesFilter(record: PaymentRecord, filter: ReceiptFilter): boolean {
  return (
    (filter.id === undefined || record.id === filter.id) &&
    (filter.payer === undefined || record.payer.toLowerCase() === filter.payer.toLowerCase()) &&
    (filter.route === undefined || record.route === filter.route) &&
    (filter.state === undefined || record.state === filter.state) &&
    (filter.from === undefined || record.createdAt >= filter.from) &&
    (filter.to === undefined || record.createdAt < filter.to)
  );
}

/** The group of a settlement time: the UTC period it falls in, in the format of {@link RevenueRow.group}. */
export function periodOf(at: Date, by: 'day' | 'hour' | 'minute'): string {
  const iso = at.toISOString();
  return by === 'day' ? iso.slice(0, 10) : by === 'hour' ? `${iso.slice(0, 13)}:00Z` : `${iso.slice(0, 16)}Z`;
}

/** In-memory revenue aggregation: settled payments grouped by route or UTC period, per network and asset. */
export function revenueRows(records: Iterable<PaymentRecord>, query: RevenueQuery): RevenueRow[] {
  const groups = new Map<string, RevenueRow>();
  for (const r of records) {
    if (r.state !== 'settled' || !r.settledAt) continue;
    if (query.from && r.settledAt < query.from) continue;
    if (query.to && r.settledAt >= query.to) continue;
    const group = query.by === 'route' ? r.route : periodOf(r.settledAt, query.by);
    const id = `${group}|${r.network}|${r.asset}`;
    const row = groups.get(id) ?? { group, network: r.network, asset: r.asset, amount: '0', payments: 0 };
    row.amount = (BigInt(row.amount) + BigInt(r.amount)).toString();
    row.payments += 1;
    groups.set(id, row);
  }
  return [...groups.values()].sort((a, b) => a.group.localeCompare(b.group) || a.network.localeCompare(b.network) || a.asset.localeCompare(b.asset));
}
