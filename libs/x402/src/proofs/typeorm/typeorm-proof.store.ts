import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { PaymentRecord } from '../../ledger/payment-store.interface.js';
import { isUniqueViolation, rowsOf, toRecord } from '../../ledger/typeorm/sql-rows.js';
import type { BindResult, NewPaymentReference, PaymentReference, ProofStore, TransferBinding } from '../proof-store.interface.js';

type Row = Record<string, any>;

function toReference(row: Row): PaymentReference {
  return {
    reference: row.reference,
    network: row.network,
    asset: row.asset,
    payTo: row.pay_to,
    amount: String(row.amount),
    route: row.route,
    resourceUrl: row.resource_url,
    minBlock: String(row.min_block),
    expiresAt: new Date(row.expires_at),
    state: row.state,
    transaction: row.transaction_hash ?? undefined,
    payer: row.payer ?? undefined,
    blockNumber: row.block_number == null ? undefined : String(row.block_number),
    transferred: row.transferred == null ? undefined : String(row.transferred),
    usedAt: row.used_at ? new Date(row.used_at) : undefined,
    createdAt: new Date(row.created_at),
  };
}

/**
 * Payment references on PostgreSQL (or PGlite), next to the payment ledger: `x402_payment_references`
 * (a row per reference a transfer was bound to), and receipts of used proofs in `x402_payments`. One
 * statement per write: a unique index binds a transaction to one reference, a conditional
 * `UPDATE … RETURNING` lets one request (its owner token) hold a reference, and using it records the
 * receipt in the same statement, only for that owner.
 *
 * @example
 * const proofs = new TypeOrmPaymentStore(dataSource).proofStore();
 */
export class TypeOrmProofStore implements ProofStore {
  constructor(private readonly dataSource: DataSource) {}

  async findReference(reference: string): Promise<PaymentReference | undefined> {
    const rows = await this.dataSource.query(`SELECT * FROM x402_payment_references WHERE reference = $1`, [reference]);
    return rows[0] ? toReference(rows[0]) : undefined;
  }

  async bindTransaction(r: NewPaymentReference, binding: TransferBinding): Promise<BindResult> {
    const transaction = binding.transaction.toLowerCase();
    let rows: Row[];
    try {
      rows = rowsOf(
        await this.dataSource.query(
          `INSERT INTO x402_payment_references (reference, network, asset, pay_to, amount, route, resource_url, min_block, expires_at, state,
                                                transaction_hash, payer, block_number, transferred, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $12, $13, now(), now())
           ON CONFLICT (reference) DO NOTHING RETURNING *`,
          [r.reference, r.network, r.asset, r.payTo, r.amount, r.route, r.resourceUrl, r.minBlock, r.expiresAt, transaction, binding.payer, binding.blockNumber, binding.transferred],
        ),
      );
    } catch (error) {
      if (isUniqueViolation(error, 'x402_payment_references_transaction_uq')) return { bound: false, conflict: 'transaction' };
      throw error;
    }
    if (rows.length > 0) return { bound: true, reference: toReference(rows[0]) };
    const existing = await this.findReference(r.reference);
    if (existing?.transaction === transaction) return { bound: true, reference: existing };
    return { bound: false, conflict: 'reference', reference: existing };
  }

  async claimReference(reference: string, owner: string, holdMs: number): Promise<PaymentReference | undefined> {
    const rows = rowsOf(
      await this.dataSource.query(
        `UPDATE x402_payment_references SET state = 'claimed', claim_owner = $2, locked_until = now() + make_interval(secs => $3::double precision / 1000), updated_at = now()
         WHERE reference = $1 AND (state = 'pending' OR (state = 'claimed' AND locked_until < now())) RETURNING *`,
        [reference, owner, holdMs],
      ),
    );
    return rows[0] ? toReference(rows[0]) : undefined;
  }

  async releaseReference(reference: string, owner: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE x402_payment_references SET state = 'pending', claim_owner = NULL, locked_until = NULL, updated_at = now()
       WHERE reference = $1 AND state = 'claimed' AND claim_owner = $2`,
      [reference, owner],
    );
  }

  async useReference(reference: string, owner: string): Promise<PaymentRecord | undefined> {
    const rows = rowsOf(
      await this.dataSource.query(
        `WITH used AS (
           UPDATE x402_payment_references SET state = 'used', used_at = now(), claim_owner = NULL, locked_until = NULL, updated_at = now()
           WHERE reference = $1 AND state = 'claimed' AND claim_owner = $3 RETURNING *
         )
         INSERT INTO x402_payments (id, key, network, asset, payer, pay_to, amount, authorized_amount, settled_amount, scheme, route, resource_url,
                                    nonce, mode, state, transaction_hash, attempts, settled_at, created_at, updated_at)
         SELECT $2, lower('tx-hash:' || network || ':' || transaction_hash), network, asset, payer, pay_to, transferred, amount, transferred, 'tx-hash',
                route, resource_url, reference, 'authorization', 'settled', transaction_hash, 1, now(), now(), now()
         FROM used
         ON CONFLICT (key) DO NOTHING
         RETURNING *`,
        [reference, randomUUID(), owner],
      ),
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async isTransactionTaken(network: string, transaction: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      `SELECT 1 FROM x402_payment_references WHERE network = $1 AND transaction_hash = $2
       UNION ALL SELECT 1 FROM x402_payments WHERE transaction_hash = $2 LIMIT 1`,
      [network, transaction.toLowerCase()],
    );
    return rows.length > 0;
  }

  async purgeReferences(before: Date): Promise<number> {
    const rows = rowsOf(
      await this.dataSource.query(`DELETE FROM x402_payment_references WHERE expires_at < $1 RETURNING reference`, [before]),
    );
    return rows.length;
  }
}
