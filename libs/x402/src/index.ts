export const HELLO = 'x402';
