import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import type { SettleResponse } from '@x402/core/types';
import { formatUnits, formatUsd } from './money.js';
import { offerAmount, offerDecimals, offersOf, type AnyPaymentRequired, type Offer } from './offer.js';

/** Response headers worth showing in human output (raw x402 headers are shown decoded instead). */
export const HEADERS_OF_INTEREST = [
  'content-type',
  'content-length',
  'location',
  'retry-after',
  'x-request-id',
  'payment-required',
  'payment-response',
  'x-payment-response',
];

const ENCODED_HEADERS = new Set(['payment-required', 'payment-response', 'x-payment-response']);

/** A decoded settlement header (v2 `PAYMENT-RESPONSE` or v1 `X-PAYMENT-RESPONSE`). */
export interface DecodedSettlement {
  header: 'PAYMENT-RESPONSE' | 'X-PAYMENT-RESPONSE';
  response?: SettleResponse;
  /** Set when the header is present but cannot be decoded. */
  error?: string;
}

/** Why a paid request still ended in 402. */
export interface PaymentFailure {
  /** From our server's JSON body `{ error: { code, message } }`. */
  code?: string;
  message?: string;
  /** The `error` field of a `PAYMENT-REQUIRED` challenge. */
  challengeError?: string;
  /** `errorReason` / `errorMessage` of a failed settlement response. */
  settlementReason?: string;
}

/** The price actually chosen and signed. */
export interface PaidOffer {
  amount: string;
  asset: string;
  network: string;
  payTo: string;
  scheme: string;
  decimals: number;
  x402Version: number;
}

export interface BalanceReport {
  asset: string;
  decimals: number;
  before?: bigint;
  after?: bigint;
  error?: string;
}

/** Everything `x402 pay` reports about one request. */
export interface PayOutcome {
  method: string;
  url: string;
  status: number;
  statusText: string;
  headers: Headers;
  body: unknown;
  bodyIsJson: boolean;
  paid?: PaidOffer;
  settlement?: DecodedSettlement;
  failure?: PaymentFailure;
  balance?: BalanceReport;
}

/** Decodes `PAYMENT-RESPONSE` (v2), else `X-PAYMENT-RESPONSE` (v1); undefined when neither is present. */
export function decodeSettlementHeader(headers: Headers): DecodedSettlement | undefined {
  for (const header of ['PAYMENT-RESPONSE', 'X-PAYMENT-RESPONSE'] as const) {
    const value = headers.get(header);
    if (!value) continue;
    try {
      const response = decodePaymentResponseHeader(value);
      if (!response || typeof response !== 'object') throw new Error('not an object');
      return { header, response };
    } catch (error) {
      return { header, error: `cannot decode ${header}: ${(error as Error).message}` };
    }
  }
  return undefined;
}

/** Decodes a `PAYMENT-REQUIRED` header; undefined when absent or malformed. */
export function decodeChallengeHeader(headers: Headers): AnyPaymentRequired | undefined {
  const value = headers.get('PAYMENT-REQUIRED');
  if (!value) return undefined;
  try {
    const decoded = decodePaymentRequiredHeader(value);
    return decoded && typeof decoded === 'object' ? decoded : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds the 402 challenge of a response: the v2 `PAYMENT-REQUIRED` header, else a v1 JSON body
 * (`{ x402Version: 1, accepts: [...] }`).
 */
export function challengeOf(headers: Headers, body: unknown): AnyPaymentRequired | undefined {
  const fromHeader = decodeChallengeHeader(headers);
  if (fromHeader) return fromHeader;
  if (isRecord(body) && body.x402Version === 1 && Array.isArray(body.accepts)) return body as AnyPaymentRequired;
  return undefined;
}

/** Parses a body as JSON when it is JSON (by content type or by shape); otherwise keeps the text. */
export function parseBody(text: string, contentType: string | null): { body: unknown; isJson: boolean } {
  const looksJson = /[/+]json\b/i.test(contentType ?? '') || /^\s*[[{]/.test(text);
  if (looksJson && text.trim() !== '') {
    try {
      return { body: JSON.parse(text), isJson: true };
    } catch {
      // not JSON after all
    }
  }
  return { body: text, isJson: false };
}

/** Collects every reason a server gave for rejecting a payment. */
export function describePaymentFailure(headers: Headers, body: unknown, settlement?: SettleResponse): PaymentFailure {
  const failure: PaymentFailure = {};
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error)) {
    if (typeof error.code === 'string') failure.code = error.code;
    if (typeof error.message === 'string') failure.message = error.message;
  } else if (typeof error === 'string' && error) {
    // a 402 body (x402 PaymentRequired): `error` is a string; nestjs-x402 puts its code there and the text in `message`
    const message = isRecord(body) && typeof body.message === 'string' ? body.message : undefined;
    if (message && /^[a-z][a-z0-9_]*$/.test(error)) {
      failure.code = error;
      failure.message = message;
    } else {
      failure.message = error;
    }
  }
  const challenge = challengeOf(headers, body);
  if (challenge?.error) failure.challengeError = challenge.error;
  if (settlement && settlement.success === false) {
    const parts = [settlement.errorReason, settlement.errorMessage].filter((part): part is string => !!part);
    failure.settlementReason = parts.join(': ') || 'settlement failed';
  }
  return failure;
}

/** Human summary of a payment failure, e.g. "payment_verification_failed: invalid signature". */
export function formatPaymentFailure(failure: PaymentFailure): string[] {
  const lines: string[] = [];
  const head = [failure.code, failure.message].filter(Boolean).join(': ');
  if (head) lines.push(head);
  if (failure.challengeError && failure.challengeError !== failure.code && failure.challengeError !== failure.message) {
    lines.push(`challenge error: ${failure.challengeError}`);
  }
  if (failure.settlementReason) lines.push(`settlement failure: ${failure.settlementReason}`);
  return lines.length > 0 ? lines : ['the server gave no reason'];
}

/** "$0.01 (10000 atomic units, 6 decimals)" */
export function formatPrice(amount: bigint, decimals: number): string {
  return `${formatUsd(amount, decimals)} (${amount} atomic units, ${decimals} decimals)`;
}

/** The multi-line human report of `x402 pay`. */
export function formatPayHuman(outcome: PayOutcome): string {
  const lines: string[] = [`${outcome.method} ${outcome.url}`];
  if (outcome.paid) {
    const p = outcome.paid;
    const label = outcome.failure ? 'Signed: ' : 'Paid:   ';
    lines.push(
      `${label} ${formatPrice(BigInt(p.amount), p.decimals)} of ${p.asset} on ${p.network} to ${p.payTo} [${p.scheme}, x402 v${p.x402Version}]${outcome.failure ? ' (rejected, see below)' : ''}`,
    );
  } else {
    lines.push('Paid:    nothing (the server did not ask for payment)');
  }
  lines.push(`Status:  ${outcome.status}${outcome.statusText ? ` ${outcome.statusText}` : ''}`);

  const shown = HEADERS_OF_INTEREST.filter((name) => outcome.headers.has(name));
  if (shown.length > 0) {
    lines.push('Headers:');
    for (const name of shown) {
      const value = outcome.headers.get(name) ?? '';
      lines.push(`  ${name}: ${ENCODED_HEADERS.has(name) ? `${value.slice(0, 16)}... (base64 JSON, decoded below)` : value}`);
    }
  }

  lines.push('Body:');
  lines.push(indent(formatBody(outcome.body, outcome.bodyIsJson)));

  if (outcome.settlement) {
    lines.push(`Payment response (${outcome.settlement.header}):`);
    if (outcome.settlement.response) lines.push(indent(formatSettlement(outcome.settlement.response)));
    else lines.push(`  ${outcome.settlement.error}`);
  }
  if (outcome.failure) {
    lines.push('Payment rejected:');
    lines.push(indent(formatPaymentFailure(outcome.failure).join('\n')));
  }
  if (outcome.balance) lines.push(formatBalance(outcome.balance));
  return lines.join('\n');
}

/** The single JSON object of `x402 pay --json`. */
export function formatPayJson(outcome: PayOutcome): string {
  return JSON.stringify(
    {
      status: outcome.status,
      headers: Object.fromEntries(outcome.headers.entries()),
      body: outcome.body,
      paymentResponse: outcome.settlement?.response ?? null,
      paid: outcome.paid
        ? {
            amount: outcome.paid.amount,
            asset: outcome.paid.asset,
            network: outcome.paid.network,
            payTo: outcome.paid.payTo,
            scheme: outcome.paid.scheme,
            usd: formatUsd(BigInt(outcome.paid.amount), outcome.paid.decimals),
          }
        : null,
      ...(outcome.failure ? { error: outcome.failure } : {}),
      ...(outcome.balance
        ? {
            balance: {
              asset: outcome.balance.asset,
              before: outcome.balance.before?.toString() ?? null,
              after: outcome.balance.after?.toString() ?? null,
              ...(outcome.balance.error ? { error: outcome.balance.error } : {}),
            },
          }
        : {}),
    },
    null,
    2,
  );
}

/** "success: true\ntransaction: 0x...\nnetwork: ...\npayer: ..." (plus failure fields when present). */
export function formatSettlement(response: SettleResponse): string {
  const fields: Array<[string, unknown]> = [
    ['success', response.success],
    ['transaction', response.transaction],
    ['network', response.network],
    ['payer', response.payer],
    ['amount', response.amount],
    ['errorReason', response.errorReason],
    ['errorMessage', response.errorMessage],
  ];
  return fields
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('\n');
}

/** "Balance: 100 -> 99.99 (-0.01) of 0x..." */
export function formatBalance(balance: BalanceReport): string {
  const show = (value: bigint | undefined) => (value === undefined ? '?' : formatUnits(value, balance.decimals));
  let line = `Balance: ${show(balance.before)} -> ${show(balance.after)}`;
  if (balance.before !== undefined && balance.after !== undefined) {
    const delta = balance.after - balance.before;
    line += ` (${delta >= 0n ? '+' : ''}${formatUnits(delta, balance.decimals)})`;
  }
  line += ` of ${balance.asset}`;
  if (balance.error) line += ` [${balance.error}]`;
  return line;
}

/** One offer of a challenge, for `x402 requirements`. */
export function describeOffer(offer: Offer): Record<string, unknown> {
  const amount = offerAmount(offer);
  const decimals = offerDecimals(offer);
  return {
    scheme: offer.scheme,
    network: offer.network,
    amount: offer.amount,
    usd: amount === undefined ? null : formatUsd(amount, decimals),
    decimals,
    asset: offer.asset,
    payTo: offer.payTo,
    maxTimeoutSeconds: offer.maxTimeoutSeconds ?? null,
    extra: offer.extra,
  };
}

/** Human listing of a 402 challenge. */
export function formatRequirementsHuman(paymentRequired: AnyPaymentRequired): string {
  const lines: string[] = [`x402 version: ${paymentRequired.x402Version}`];
  const resource = 'resource' in paymentRequired ? paymentRequired.resource : undefined;
  if (resource?.url) lines.push(`resource: ${resource.url}${resource.description ? ` (${resource.description})` : ''}`);
  if (paymentRequired.error) lines.push(`error: ${paymentRequired.error}`);
  const offers = offersOf(paymentRequired);
  lines.push(`accepts (${offers.length}):`);
  offers.forEach((offer, index) => {
    const amount = offerAmount(offer);
    const decimals = offerDecimals(offer);
    const token = [offer.extra.name, offer.extra.version].filter((v) => typeof v === 'string').join(' v');
    lines.push(`  [${index + 1}] scheme:            ${offer.scheme}`);
    lines.push(`      network:           ${offer.network}`);
    lines.push(
      `      amount:            ${offer.amount}${amount === undefined ? ' (not an atomic integer!)' : ` = ${formatUsd(amount, decimals)} at ${decimals} decimals`}`,
    );
    lines.push(`      asset:             ${offer.asset}${token ? ` (${token})` : ''}`);
    lines.push(`      payTo:             ${offer.payTo}`);
    lines.push(`      maxTimeoutSeconds: ${offer.maxTimeoutSeconds ?? '-'}`);
  });
  return lines.join('\n');
}

/** JSON listing of a 402 challenge. */
export function formatRequirementsJson(status: number, paymentRequired: AnyPaymentRequired | undefined): string {
  return JSON.stringify(
    {
      status,
      x402Version: paymentRequired?.x402Version ?? null,
      resource: paymentRequired && 'resource' in paymentRequired ? paymentRequired.resource : null,
      error: paymentRequired?.error ?? null,
      accepts: paymentRequired ? offersOf(paymentRequired).map(describeOffer) : [],
    },
    null,
    2,
  );
}

function formatBody(body: unknown, isJson: boolean): string {
  if (isJson) return JSON.stringify(body, null, 2);
  const text = String(body ?? '');
  return text === '' ? '(empty)' : text;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
