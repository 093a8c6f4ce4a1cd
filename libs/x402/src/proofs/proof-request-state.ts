import type { ProofClaim } from './proof-claim.types.js';

const PROOF_CLAIM = Symbol('x402:proof');

/** The proof claim a request holds while its handler runs (set by the guard, completed by the interceptor). */
export function getProofClaim(request: unknown): ProofClaim | undefined {
  return (request as Record<symbol, ProofClaim | undefined>)?.[PROOF_CLAIM];
}

export function setProofClaim(request: unknown, claim: ProofClaim): void {
  (request as Record<symbol, ProofClaim>)[PROOF_CLAIM] = claim;
}

/** Takes the claim off the request (so a second interceptor binding does not complete it twice). */
export function takeProofClaim(request: unknown): ProofClaim | undefined {
  const claim = getProofClaim(request);
  if (claim) delete (request as Record<symbol, ProofClaim>)[PROOF_CLAIM];
  return claim;
}
