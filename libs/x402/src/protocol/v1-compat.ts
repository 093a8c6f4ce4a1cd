import type { PaymentRequirements, ResourceInfo } from '@x402/core/types';
import type { PaymentRequirementsV1 } from '@x402/core/schemas';
import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';

const V1_NAME_BY_CHAIN_ID = new Map<number, string>(Object.entries(EVM_NETWORK_CHAIN_ID_MAP).map(([name, chainId]) => [chainId, name]));

/**
 * The x402 v1 name of a CAIP-2 EVM network, if v1 has one (`eip155:84532` -> `base-sepolia`,
 * `eip155:8453` -> `base`). Networks without a v1 name (a local chain, for instance) are v2 only.
 *
 * @example
 * v1NetworkName('eip155:84532') // 'base-sepolia'
 * v1NetworkName('eip155:31337') // undefined
 */
export function v1NetworkName(network: string): string | undefined {
  const match = /^eip155:([0-9]{1,19})$/.exec(network);
  return match ? V1_NAME_BY_CHAIN_ID.get(Number(match[1])) : undefined;
}

/**
 * The v1 form of a v2 requirement, as a v1 client reads it from the 402 body and as a v1
 * facilitator verifies it: v1 network name, `maxAmountRequired`, and the resource inline.
 * `undefined` when the network has no v1 name.
 *
 * @example
 * toV1Requirements(accepts[0], { url: 'https://api.example.com/weather', description: 'Forecast' })
 * // { scheme: 'exact', network: 'base-sepolia', maxAmountRequired: '10000', resource: 'https://…', … }
 */
export function toV1Requirements(requirements: PaymentRequirements, resource: ResourceInfo): PaymentRequirementsV1 | undefined {
  const network = v1NetworkName(requirements.network);
  if (!network) return undefined;
  return {
    scheme: requirements.scheme,
    network,
    maxAmountRequired: requirements.amount,
    resource: resource.url,
    description: resource.description ?? '',
    mimeType: resource.mimeType ?? '',
    payTo: requirements.payTo,
    maxTimeoutSeconds: requirements.maxTimeoutSeconds,
    asset: requirements.asset,
    extra: requirements.extra,
  };
}
