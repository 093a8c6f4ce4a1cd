/**
 * `@nestjs-x402/core/local-facilitator`: verify and settle in-process with a wallet that pays the gas
 * (what `facilitator: { type: 'local', privateKey, rpcUrls }` builds), for use as a `type: 'client'` facilitator
 * or on its own.
 *
 * @example
 * ```ts
 * import { LocalFacilitatorClient } from '@nestjs-x402/core/local-facilitator';
 *
 * const client = new LocalFacilitatorClient({ privateKey: process.env.GAS_KEY!, rpcUrls: { 'eip155:84532': rpc } });
 * X402Module.forRoot({ ...options, facilitator: { type: 'client', client } });
 * ```
 */
export { LocalFacilitatorClient, type LocalFacilitatorOptions } from './local-facilitator.client.js';
