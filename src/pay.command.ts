import { wrapFetchWithPayment } from '@x402/fetch';
import type { PayArgs } from './args.js';
import { readTokenBalance, tryReadBalance } from './balance.js';
import { DEMO_BUYER_ADDRESS, PRIVATE_KEY_ENV, resolveBuyer } from './buyer.js';
import { CliError, ExitCode, PaymentError, SpendingCapError, redactSecrets } from './errors.js';
import type { CliIo } from './io.js';
import { failLoudlyOnNetworkErrors } from './network.js';
import { offersOf } from './offer.js';
import {
  decodeSettlementHeader,
  describePaymentFailure,
  formatPayHuman,
  formatPayJson,
  parseBody,
  type BalanceReport,
  type PayOutcome,
} from './output.js';
import { createPaymentClient, PaymentSession } from './payment-client.js';
import { planRequest } from './request.js';

/**
 * `x402 pay <url>`: sends the request, pays a 402 challenge with the official x402 fetch wrapper
 * (refusing prices above `--max`), and reports the answer.
 *
 * @returns the exit code (0 on 2xx, 1 otherwise)
 * @throws CliError for usage (2), spending cap (3), network (4) and payment (1) failures
 */
export async function runPay(args: PayArgs, io: CliIo): Promise<number> {
  const buyer = resolveBuyer(args.key, io.env);
  if (buyer.source === 'demo') {
    io.stderr(
      `note: paying as the demo buyer ${DEMO_BUYER_ADDRESS} (anvil test account #1); pass --key or set ${PRIVATE_KEY_ENV} to use your own wallet`,
    );
  }
  const plan = await planRequest(args, io.readFile);
  const session = new PaymentSession();
  const { client, httpClient } = createPaymentClient({ signer: buyer.account, max: args.max, session });

  let balance: BalanceReport | undefined;
  const rpc = args.rpc?.href;
  const readBalance = io.readBalance ?? readTokenBalance;
  if (rpc) {
    // Runs after the spending-cap guard has accepted and recorded the offer, before signing.
    client.onBeforePaymentCreation(async ({ selectedRequirements }) => {
      const before = await tryReadBalance(readBalance, rpc, selectedRequirements.asset, buyer.account.address);
      balance = { asset: selectedRequirements.asset, decimals: session.selected?.decimals ?? 6, before: before.value, error: before.error };
    });
  }

  const fetchWithPayment = wrapFetchWithPayment(failLoudlyOnNetworkErrors(io.fetch), httpClient);
  let response: Response;
  try {
    response = await fetchWithPayment(args.url, { method: plan.method, headers: plan.headers, body: plan.body });
  } catch (error) {
    if (session.refusal) throw new SpendingCapError(session.refusal);
    if (error instanceof CliError) throw error;
    throw new PaymentError(explainPaymentError(error, session));
  }

  const { body, isJson } = parseBody(await response.text(), response.headers.get('content-type'));
  const settlement = decodeSettlementHeader(response.headers);
  const rejected = response.status === 402 || settlement?.response?.success === false;

  if (balance && rpc) {
    const after = await tryReadBalance(readBalance, rpc, balance.asset, buyer.account.address);
    balance.after = after.value;
    balance.error ??= after.error;
  }

  const selected = session.selected;
  const outcome: PayOutcome = {
    method: plan.method,
    url: args.url.href,
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    body,
    bodyIsJson: isJson,
    paid: selected && {
      amount: selected.amount,
      asset: selected.asset,
      network: selected.network,
      payTo: selected.payTo,
      scheme: selected.scheme,
      decimals: selected.decimals,
      x402Version: selected.x402Version,
    },
    settlement,
    failure: rejected ? describePaymentFailure(response.headers, body, settlement?.response) : undefined,
    balance,
  };
  io.stdout(args.json ? formatPayJson(outcome) : formatPayHuman(outcome));
  return response.ok ? ExitCode.Ok : ExitCode.HttpError;
}

/** Turns the x402 client's errors into something a user can act on. */
function explainPaymentError(error: unknown, session: PaymentSession): string {
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  if (/No network\/scheme registered|No client registered/.test(message)) {
    const offered = session.paymentRequired
      ? offersOf(session.paymentRequired)
          .map((offer) => `${offer.scheme} on ${offer.network}`)
          .join(', ')
      : 'unknown';
    return `cannot pay: the server offers no payment option this tool supports (it pays "exact" on eip155:* networks, and on the v1 EVM networks). Offered: ${offered || 'nothing'}`;
  }
  if (/Failed to parse payment requirements/.test(message)) {
    return `cannot pay: the server answered 402 without a readable x402 challenge (no PAYMENT-REQUIRED header, no v1 JSON body). Try: x402 requirements <url>`;
  }
  return `cannot pay: ${message}`;
}
