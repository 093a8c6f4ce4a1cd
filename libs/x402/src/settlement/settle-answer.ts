import type { PaymentPayload, PaymentRequirements, SettleResponse } from '@x402/core/types';
import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';
import type { Logger } from '@nestjs/common';
import { logSafe } from '../logging/log-safe.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import type { ChainReader } from './chain-reader.js';

/** What a successful settlement of one payment must say, and what its transaction must do on chain. */
export interface ExpectedSettlement {
  /** The network as the facilitator was asked (a v1 name for a v1 payment). */
  network: string;
  /** The same network as CAIP-2, to read its chain. */
  chain: string;
  /** The payer the payment was verified for (lower case), if the payload names one. */
  payer?: string;
  payTo: string;
  asset: string;
  /** Atomic units that move: the requirement's amount, or what a usage-priced payment charged. */
  amount: string;
}

/** Extensions of a settle answer larger than this (JSON characters) are not passed on to the payer. */
const MAX_EXTENSIONS_CHARS = 4096;
const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

/** The settlement a payment must get, from what the facilitator was asked to settle. */
export function expectedSettlement(payload: PaymentPayload, requirements: PaymentRequirements, overrides?: { amount: string }): ExpectedSettlement {
  const v1 = requirements as PaymentRequirements & { maxAmountRequired?: string };
  const inner = payload.payload as { authorization?: { from?: unknown }; permit2Authorization?: { from?: unknown } } | undefined;
  const from = inner?.authorization?.from ?? inner?.permit2Authorization?.from;
  const chainId = (EVM_NETWORK_CHAIN_ID_MAP as Record<string, number>)[requirements.network];
  return {
    network: requirements.network,
    chain: requirements.network.includes(':') || chainId === undefined ? requirements.network : `eip155:${chainId}`,
    payer: typeof from === 'string' ? from.toLowerCase() : undefined,
    payTo: requirements.payTo,
    asset: requirements.asset,
    amount: overrides?.amount ?? requirements.amount ?? v1.maxAmountRequired ?? '',
  };
}

/**
 * What is wrong with a facilitator's `success: true` for the payment it was asked to settle: another network,
 * another payer than the verified one (when it names one), another amount (when the answer names one), a transaction hash not of
 * the chain's shape. Empty when it fits. Each entry is escaped and short, fit for a log line.
 */
export function settleAnswerMismatches(result: SettleResponse, expected: ExpectedSettlement): string[] {
  const wrong: string[] = [];
  if (result.network !== expected.network) wrong.push(`network ${logSafe(result.network, 64)}`);
  // An answer without a payer contradicts nothing (the field is optional); one with another payer does.
  if (expected.payer && result.payer !== undefined && (typeof result.payer !== 'string' || result.payer.toLowerCase() !== expected.payer)) wrong.push(`payer ${logSafe(result.payer, 64)}`);
  if (result.amount !== undefined && result.amount !== expected.amount) wrong.push(`amount ${logSafe(result.amount, 80)}`);
  if (expected.chain.startsWith('eip155:') && !TX_HASH.test(result.transaction)) wrong.push(`transaction ${logSafe(result.transaction, 80)}`);
  return wrong;
}

/** A checked settle answer cut to what the payer is shown (no `extra`, no oversized `extensions`). */
export function buyerFacingSettlement(result: SettleResponse, expected: ExpectedSettlement): SettleResponse {
  const extensions = result.extensions && JSON.stringify(result.extensions).length <= MAX_EXTENSIONS_CHARS ? result.extensions : undefined;
  return {
    success: true,
    transaction: result.transaction,
    network: result.network,
    payer: result.payer ?? expected.payer,
    ...(result.amount !== undefined ? { amount: result.amount } : {}),
    ...(extensions ? { extensions } : {}),
  } as SettleResponse;
}

/**
 * A facilitator's `success: true` is believed only when it names this payment's network, payer and amount and a
 * transaction of the chain's shape, and (when `readsChain`: any facilitator but the in-process one, on a chain
 * `settlement.rpcUrls` reads) that transaction's receipt has the Transfer of the amount from the payer to payTo.
 * Otherwise a 502 (an open outcome: held, reconciled from the chain).
 *
 * @example
 * const answer = await checkSettleAnswer(result, expectedSettlement(payload, requirements), { chain, readsChain: true, logger });
 */
export async function checkSettleAnswer(
  result: SettleResponse,
  expected: ExpectedSettlement,
  context: { chain: ChainReader; readsChain: boolean; logger: Logger },
): Promise<SettleResponse> {
  if (!result.success) return result;
  const { chain, logger } = context;
  const wrong = settleAnswerMismatches(result, expected);
  if (wrong.length > 0) {
    logger.warn(`the facilitator's settle answer does not match the payment (${wrong.join(', ')}); held, to be reconciled from the chain`);
    throw new X402HttpException(502, X402ErrorCode.FacilitatorAnswerMismatch, 'the payment facilitator reported a settlement that does not match this payment; it is held and checked on chain');
  }
  const readable = context.readsChain && chain.covers(expected.chain) && expected.payer !== undefined && /^[1-9][0-9]*$/.test(expected.amount);
  if (readable) {
    const paid = await chain.transactionPays(expected.chain, result.transaction, { ...expected, from: expected.payer! }).catch(() => undefined);
    if (paid !== true) {
      logger.warn(`settlement transaction ${result.transaction} does not show the transfer on chain (${paid === false ? 'no such transfer' : 'no receipt'}); held, to be reconciled from the chain`);
      throw new X402HttpException(502, X402ErrorCode.SettlementUnverified, 'the chain does not show the settlement the payment facilitator reported (yet); the payment is held and checked on chain');
    }
  }
  return buyerFacingSettlement(result, expected);
}
