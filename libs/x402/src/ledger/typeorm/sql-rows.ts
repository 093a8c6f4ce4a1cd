// Row helpers shared by the TypeORM stores of the ledger (payments, proof references).
import type { PaymentRecord } from '../payment-store.interface.js';

/** A row as the driver returns it (snake_case columns). */
export type Row = Record<string, any>;

/** Runs one SQL statement (on the DataSource, or on one connection inside a transaction). */
export type Sql = (text: string, params?: unknown[]) => Promise<any>;

const UNIQUE_VIOLATION = '23505';

function json<T>(value: unknown): T | undefined {
  return ((typeof value === 'string' ? JSON.parse(value) : value) ?? undefined) as T | undefined;
}

/** A `x402_payments` row as a {@link PaymentRecord}. */
export function toRecord(row: Row): PaymentRecord {
  return {
    id: row.id,
    key: row.key,
    network: row.network,
    asset: row.asset,
    payer: row.payer,
    payTo: row.pay_to,
    amount: String(row.amount),
    scheme: row.scheme,
    route: row.route,
    resourceUrl: row.resource_url,
    nonce: row.nonce,
    paymentIdentifier: row.payment_identifier ?? undefined,
    state: row.state,
    transaction: row.transaction_hash ?? undefined,
    authorizedAmount: row.authorized_amount == null ? undefined : String(row.authorized_amount),
    settledAmount: row.settled_amount == null ? undefined : String(row.settled_amount),
    errorReason: row.error_reason ?? undefined,
    response: json(row.response),
    mode: row.mode ?? 'authorization',
    settlement: json(row.settlement),
    handlerError: row.handler_error ?? undefined,
    previousState: row.previous_state ?? undefined,
    attempts: Number(row.attempts ?? 1),
    settleBy: row.settle_by ? new Date(row.settle_by) : undefined,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    settledAt: row.settled_at ? new Date(row.settled_at) : undefined,
  };
}

/** `pg` returns the rows of UPDATE ... RETURNING as `[rows, count]` through TypeORM; PGlite may not. */
export function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0];
  return Array.isArray(result) ? (result as Row[]) : [];
}

/** Whether a statement failed on the unique constraint `constraint` (PostgreSQL 23505). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; driverError?: { code?: string; constraint?: string }; constraint?: string; message?: string };
  const code = e?.driverError?.code ?? e?.code;
  const name = e?.driverError?.constraint ?? e?.constraint ?? e?.message ?? '';
  return code === UNIQUE_VIOLATION && String(name).includes(constraint);
}
