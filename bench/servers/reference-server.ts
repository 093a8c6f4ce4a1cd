/**
 * The reference: `@x402/express` `paymentMiddleware` with an in-process facilitator
 * (`x402Facilitator` + the `@x402/evm` exact scheme and a viem wallet signer), set up the way the
 * packages' READMEs show, offering the demo's forecast route at the demo's price, token and payTo.
 * `BENCH_NONCE_MANAGER=1` makes it the tuned reference: the signer's account takes viem's
 * `nonceManager`, so concurrent settlements no longer collide on the gas key's nonce.
 */
import { x402Facilitator } from '@x402/core/facilitator';
import { x402ResourceServer, type FacilitatorClient } from '@x402/core/server';
import type { SupportedResponse } from '@x402/core/types';
import { registerExactEvmScheme } from '@x402/evm/exact/facilitator';
import { ExactEvmScheme } from '@x402/evm/exact/server';
import { paymentMiddleware } from '@x402/express';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { nonceManager, privateKeyToAccount } from 'viem/accounts';
import { devnetChain, walletFacilitatorSigner } from '@nestjs-x402/testing';
import { CITIES, days } from '../../apps/demo-api/src/weather/weather.data.js';
import { announce, MAX_TIMEOUT_SECONDS, PRICE_ATOMIC, readDevnet } from './server-env.js';

const devnet = readDevnet();
const network = `eip155:${devnet.chainId}` as const;
const account = privateKeyToAccount(devnet.facilitatorPrivateKey, process.env.BENCH_NONCE_MANAGER === '1' ? { nonceManager } : {});
// Receipts polled every 250 ms, as our local facilitator does (viem's default for an unknown chain is 4 s).
const signer = walletFacilitatorSigner(account, devnetChain(devnet.chainId, devnet.rpcUrl), devnet.rpcUrl, { pollingIntervalMs: 250 });
const facilitator = registerExactEvmScheme(new x402Facilitator(), { signer, networks: network });
// The resource server takes a FacilitatorClient; the in-process facilitator answers /supported synchronously.
const client: FacilitatorClient = {
  verify: (payload, requirements) => facilitator.verify(payload, requirements),
  settle: (payload, requirements) => facilitator.settle(payload, requirements),
  getSupported: async () => facilitator.getSupported() as SupportedResponse,
};
const resourceServer = new x402ResourceServer(client).register(network, new ExactEvmScheme());

const app = express();
app.use(
  paymentMiddleware(
    {
      'GET /weather/forecast/:city': {
        accepts: {
          scheme: 'exact',
          network,
          payTo: devnet.payTo,
          price: { amount: PRICE_ATOMIC, asset: devnet.usdc.address, extra: { name: devnet.usdc.name, version: devnet.usdc.version } },
          maxTimeoutSeconds: MAX_TIMEOUT_SECONDS,
        },
        description: 'Seven-day forecast for one city',
        mimeType: 'application/json',
      },
    },
    resourceServer,
  ),
);
app.get('/weather/cities', (_req, res) => {
  res.json({ cities: CITIES });
});
app.get('/weather/forecast/:city', (req, res) => {
  res.json({ city: req.params.city, days: days(req.params.city, new Date(), 7, 1) });
});

const server = app.listen(0, '127.0.0.1', () => {
  announce(
    (server.address() as AddressInfo).port,
    () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
});
