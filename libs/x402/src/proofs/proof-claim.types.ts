/** A proof that granted access: the request runs its handler while holding the reference. */
export interface ProofClaim {
  reference: string;
  /** Random token of this request's hold: using or releasing the reference needs it. */
  owner: string;
  network: string;
  transaction: string;
  payer: string;
  /** Atomic units the transfer moved. */
  transferred: string;
  /** The secret that reopens the reference within the route's access window, given to the payer with the response (routes with `access` only). */
  access?: string;
}
