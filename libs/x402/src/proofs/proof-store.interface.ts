import type { PaymentRecord, PaymentStore } from '../ledger/payment-store.interface.js';

/**
 * Lifecycle of a payment reference: `open` (quoted in a 402; stateless, never stored) -> `pending`
 * (a checked transfer is bound to it: the row is written, maybe not yet confirmed) -> `claimed` (a
 * request is running its handler on it, for a while, under an owner token) -> `used` (served once,
 * receipt recorded). A failed handler puts `claimed` back to `pending`.
 */
export type PaymentReferenceState = 'open' | 'pending' | 'claimed' | 'used';

/** What a 402 quoted: send exactly `amount` of `asset` to `payTo` on `network`, in a block after `minBlock`. */
export interface NewPaymentReference {
  /** The signed reference the payer presents with its transaction hash (see `ReferenceSigner`). */
  reference: string;
  network: string;
  asset: string;
  payTo: string;
  /** Atomic units. */
  amount: string;
  /** `METHOD /path/template` of the route, and the resource the quote is for. */
  route: string;
  resourceUrl: string;
  /** The chain head when quoted: the transfer must be mined in a later block. */
  minBlock: string;
  /** The reference cannot be bound to a transaction after this. */
  expiresAt: Date;
}

/** A reference as stored, with the transfer bound to it once checked. */
export interface PaymentReference extends NewPaymentReference {
  state: PaymentReferenceState;
  /** Transaction hash (lower case) and what it carried. */
  transaction?: string;
  payer?: string;
  blockNumber?: string;
  /** Atomic units the transfer moved to `payTo` (exactly `amount`). */
  transferred?: string;
  usedAt?: Date;
  createdAt: Date;
}

/** The transfer a checked transaction carried, to bind to a reference. */
export interface TransferBinding {
  transaction: string;
  payer: string;
  blockNumber: string;
  transferred: string;
}

/** Outcome of binding a mined transfer to a payment reference: bound, or why not. */
export type BindResult =
  | { bound: true; reference: PaymentReference }
  /** `transaction`: the hash is bound to another reference; `reference`: this reference to another hash. */
  | { bound: false; conflict: 'transaction' | 'reference'; reference?: PaymentReference };

/**
 * Where payment references of transaction-hash proofs live. A quoted reference is not stored (it is
 * signed); its row is written when a checked transfer is bound to it. Every write is one atomic
 * statement (a transaction hash is bound to one reference by a unique index; one request at a time
 * holds a reference, named by an owner token that using or releasing it must present), so it is
 * correct across app instances on one database. The built-in payment stores give one
 * (`proofStore()`); a custom `PaymentStore` can implement it, or pass one as `proofs.store`.
 *
 * @example
 * X402Module.forRoot({ ...options, store: myStore, proofs: { store: new TypeOrmProofStore(dataSource) } })
 */
export interface ProofStore {
  findReference(reference: string): Promise<PaymentReference | undefined>;
  /** Stores a quoted reference with the checked transfer that pays it, as `pending` (idempotent for the same transaction). */
  bindTransaction(reference: NewPaymentReference, binding: TransferBinding): Promise<BindResult>;
  /** `pending` (or `claimed` past its hold) -> `claimed` by `owner` for `holdMs`; the reference, or undefined if another request holds or used it. */
  claimReference(reference: string, owner: string, holdMs: number): Promise<PaymentReference | undefined>;
  /** `claimed` by `owner` -> `pending`: the handler failed, the payment can be presented again (no-op if another owner took it over). */
  releaseReference(reference: string, owner: string): Promise<void>;
  /** `claimed` by `owner` -> `used` and the settled receipt recorded, in one statement; the receipt, or undefined if `owner` does not hold it. */
  useReference(reference: string, owner: string): Promise<PaymentRecord | undefined>;
  /** Whether a transaction is already bound to a reference, or settled a payment in the ledger (an x402 settlement, a used proof). */
  isTransactionTaken(network: string, transaction: string): Promise<boolean>;
  /** Drops references (any state) that expired before `before`; returns how many. A transaction they held stays refused: it was mined before any newer quote. */
  purgeReferences(before: Date): Promise<number>;
}

/** A payment store that keeps proof references on the same ledger (the built-in stores are). */
export interface ProofStoreSource {
  proofStore(): ProofStore;
}

/**
 * The proof store of a payment store, if it has one.
 *
 * @example
 * proofStoreOf(new InMemoryPaymentStore()) // an InMemoryProofStore on the same payments
 */
export function proofStoreOf(store: PaymentStore): ProofStore | undefined {
  const source = store as Partial<ProofStoreSource>;
  return typeof source.proofStore === 'function' ? source.proofStore() : undefined;
}

/** What an in-process proof store needs of the payments it records receipts in. */
export interface ProofReceiptLedger extends Pick<PaymentStore, 'claim' | 'markSettled' | 'findById'> {
  /** Whether a settled receipt carries this transaction hash. */
  hasTransaction(transaction: string): boolean;
}

/** Injection token of the {@link ProofStore} in use (undefined when the payment store has none). */
export const PROOF_STORE = Symbol('x402:ProofStore');

/**
 * Key of the receipt of a transaction-hash payment in the payment ledger.
 *
 * @example
 * proofReceiptKey('eip155:8453', '0xAB…') // 'tx-hash:eip155:8453:0xab…'
 */
export function proofReceiptKey(network: string, transaction: string): string {
  return `tx-hash:${network}:${transaction}`.toLowerCase();
}
