/** The x402 usage-based scheme: the payer signs a maximum (Permit2), the server settles what the call cost. */
export const UPTO_SCHEME = 'upto';
