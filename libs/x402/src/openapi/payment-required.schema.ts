import { PAYMENT_REQUIRED_HEADER, PAYMENT_RESPONSE_HEADER } from '../x402.constants.js';

/** Names of the component schemas added to the document (prefixed so they do not collide with the app's). */
export const X402_SCHEMA_NAMES = {
  paymentRequired: 'X402PaymentRequired',
  paymentRequirements: 'X402PaymentRequirements',
  paymentRequirementsV1: 'X402PaymentRequirementsV1',
  resource: 'X402ResourceInfo',
} as const;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * JSON schemas (OpenAPI 3.0 subset) of the 402 body the guard sends: an x402 `PaymentRequired`
 * whose `error` is the stable code, plus a readable `message`. It is v2
 * (`{ x402Version: 2, error, message, resource, accepts, extensions? }`) unless a v1 client could
 * pay one of the accepted networks; then v1 (`{ x402Version: 1, error, message, accepts }` with
 * `maxAmountRequired`). The `PAYMENT-REQUIRED` header always carries the v2 form.
 *
 * @example
 * document.components.schemas = { ...document.components.schemas, ...x402ComponentSchemas() };
 */
export function x402ComponentSchemas(): Record<string, Record<string, unknown>> {
  return {
    [X402_SCHEMA_NAMES.paymentRequirements]: {
      type: 'object',
      description: 'One way to pay: this amount of this token on this network, to payTo (x402 v2 PaymentRequirements).',
      required: ['scheme', 'network', 'amount', 'asset', 'payTo', 'maxTimeoutSeconds'],
      properties: {
        scheme: { type: 'string', example: 'exact' },
        network: { type: 'string', description: 'CAIP-2 network id', example: 'eip155:8453' },
        amount: { type: 'string', pattern: '^[0-9]+$', description: 'Atomic units of the token (10000 = 0.01 USDC)', example: '10000' },
        asset: { type: 'string', description: 'Token contract address' },
        payTo: { type: 'string', description: 'Recipient address' },
        maxTimeoutSeconds: { type: 'integer', minimum: 1, example: 300 },
        extra: { type: 'object', additionalProperties: true, description: "Scheme data; for exact EVM the token's EIP-712 domain { name, version }" },
      },
    },
    [X402_SCHEMA_NAMES.paymentRequirementsV1]: {
      type: 'object',
      description: 'The same offer in x402 v1 form (v1 network name, maxAmountRequired, resource inline), in v1 402 bodies.',
      required: ['scheme', 'network', 'maxAmountRequired', 'resource', 'payTo', 'maxTimeoutSeconds', 'asset'],
      properties: {
        scheme: { type: 'string', example: 'exact' },
        network: { type: 'string', description: 'v1 network name', example: 'base-sepolia' },
        maxAmountRequired: { type: 'string', pattern: '^[0-9]+$', description: 'Atomic units of the token' },
        resource: { type: 'string' },
        description: { type: 'string' },
        mimeType: { type: 'string' },
        payTo: { type: 'string' },
        maxTimeoutSeconds: { type: 'integer', minimum: 1 },
        asset: { type: 'string' },
        extra: { type: 'object', additionalProperties: true },
      },
    },
    [X402_SCHEMA_NAMES.resource]: {
      type: 'object',
      required: ['url'],
      properties: {
        url: { type: 'string', description: 'Absolute URL of the paid resource' },
        description: { type: 'string' },
        mimeType: { type: 'string' },
      },
    },
    [X402_SCHEMA_NAMES.paymentRequired]: {
      type: 'object',
      description:
        'Body of a 402 answer: x402 PaymentRequired, v2 (or v1 when a v1 client could pay), with the error code and a readable message. ' +
        `The ${PAYMENT_REQUIRED_HEADER} header always carries the v2 form (base64 JSON).`,
      required: ['x402Version', 'error', 'message', 'accepts'],
      properties: {
        x402Version: { type: 'integer', enum: [1, 2] },
        error: {
          type: 'string',
          description: "Stable machine-readable code: payment_required, payment_requirements_mismatch, or the facilitator's reason",
          example: 'payment_required',
        },
        message: { type: 'string', description: 'What happened and what to do, for humans' },
        resource: ref(X402_SCHEMA_NAMES.resource),
        accepts: {
          type: 'array',
          minItems: 1,
          items: { anyOf: [ref(X402_SCHEMA_NAMES.paymentRequirements), ref(X402_SCHEMA_NAMES.paymentRequirementsV1)] },
        },
        extensions: { type: 'object', additionalProperties: true, description: 'Declared x402 extensions (payment-identifier, bazaar, sign-in-with-x, ...)' },
      },
    },
  };
}

/** The `PAYMENT-REQUIRED` header of a 402 answer. */
export const PAYMENT_REQUIRED_HEADER_OBJECT = {
  description: 'The payment requirements: base64-encoded JSON PaymentRequired (x402 v2). Decode it, sign one of `accepts` and retry with PAYMENT-SIGNATURE.',
  schema: { type: 'string' },
};

/** The `PAYMENT-RESPONSE` header of a paid answer. */
export const PAYMENT_RESPONSE_HEADER_OBJECT = {
  description: 'The settlement: base64-encoded JSON { success, transaction, network, payer } (x402 v2).',
  schema: { type: 'string' },
};

/** The optional `PAYMENT-SIGNATURE` request header parameter. */
export const PAYMENT_SIGNATURE_PARAMETER = {
  name: 'PAYMENT-SIGNATURE',
  in: 'header',
  required: false,
  description: 'A signed x402 payment: base64-encoded JSON PaymentPayload (x402 v2) for one of the `accepts` of the 402. Leave it empty to get the 402 with the price.',
  schema: { type: 'string' },
};

export { PAYMENT_REQUIRED_HEADER, PAYMENT_RESPONSE_HEADER };
