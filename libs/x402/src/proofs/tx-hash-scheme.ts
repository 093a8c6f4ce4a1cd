/**
 * Scheme name of the `accepts` entries that ask for a plain on-chain transfer proven by its
 * transaction hash. Not an x402 scheme of the reference clients: they skip entries they do not know.
 */
export const TX_HASH_SCHEME = 'tx-hash';
