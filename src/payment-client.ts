import { x402Client, x402HTTPClient } from '@x402/core/client';
import { ExactEvmScheme, type ClientEvmSigner } from '@x402/evm';
import { ExactEvmSchemeV1, NETWORKS } from '@x402/evm/v1';
import type { DecimalAmount } from './money.js';
import type { AnyPaymentRequired } from './offer.js';
import { SpendingCapState, spendingCapGuard, spendingCapPolicy } from './spending-cap.js';

/** Everything observed while paying one request. */
export class PaymentSession extends SpendingCapState {
  /** The last 402 challenge received (before any payment was attempted). */
  paymentRequired?: AnyPaymentRequired;
}

export interface PaymentClientOptions {
  signer: ClientEvmSigner;
  /** Spending cap in USD per payment. */
  max: DecimalAmount;
  session: PaymentSession;
}

/**
 * Builds the official x402 client used by `x402 pay`:
 * - `exact` EVM scheme for every `eip155:*` network (v2) and for each v1 network name `@x402/evm/v1` knows;
 * - the library's spend controls opened up to any asset (so local devnet tokens work) with its own USD cap
 *   disabled, because our `--max` cap (policy + before-payment hook) applies to every asset instead;
 * - a payment-required hook that remembers the challenge for error messages.
 */
export function createPaymentClient({ signer, max, session }: PaymentClientOptions): {
  client: x402Client;
  httpClient: x402HTTPClient;
} {
  const client = new x402Client();
  client.register('eip155:*', new ExactEvmScheme(signer));
  const v1Scheme = new ExactEvmSchemeV1(signer);
  for (const network of NETWORKS) client.registerV1(network, v1Scheme);
  client.setSpendControls({ allowedAssets: true, maxAmountPerPayment: false });
  client.registerPolicy(spendingCapPolicy(max, session));
  client.onBeforePaymentCreation(spendingCapGuard(max, session));

  const httpClient = new x402HTTPClient(client).onPaymentRequired(async ({ paymentRequired }) => {
    session.paymentRequired = paymentRequired;
  });
  return { client, httpClient };
}
