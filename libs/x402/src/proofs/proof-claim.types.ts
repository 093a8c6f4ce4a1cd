/** A proof that granted access: the request runs its handler while holding the reference. */
export interface ProofClaim {
  reference: string;
  network: string;
  transaction: string;
  payer: string;
  /** Atomic units the transfer moved. */
  transferred: string;
}
