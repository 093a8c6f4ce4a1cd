import { getAddress } from 'viem';
import { X402ProofErrorCode } from './proof-errors.js';
import type { NewPaymentReference } from './proof-store.interface.js';
import type { TransactionInspection } from './transfer-reader.js';

/** A transaction that pays a reference (confirmed or not), or why it does not. */
export type TransferVerdict =
  | { pays: true; payer: string; transferred: bigint; blockNumber: bigint; confirmations: bigint }
  | { pays: false; status: 402 | 409; code: string; message: string; pending?: boolean };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** What a transfer is judged against. */
export type QuotedTransfer = Pick<NewPaymentReference, 'network' | 'asset' | 'payTo' | 'amount' | 'minBlock'>;

/**
 * Checks a transaction against what a reference quoted: it succeeded; it is a plain transfer by the
 * payer (one sender of the token to `payTo`, who sent the transaction or whose contract wallet it
 * called: never a settlement someone else sent for the payer, such as an x402 `exact` or `upto`
 * settlement); it moves exactly `amount` of `asset` to `payTo`, in a block after the quote.
 * Confirmations are reported, not judged.
 *
 * @example
 * judgeTransfer(await reader.inspect(network, hash), reference) // { pays: true, payer, transferred, confirmations: 1n, ... }
 */
export function judgeTransfer(inspection: TransactionInspection, reference: QuotedTransfer): TransferVerdict {
  if (inspection.status === 'not_found') {
    return { pays: false, status: 402, code: X402ProofErrorCode.Pending, message: `the transaction is not mined on ${reference.network} yet; retry later`, pending: true };
  }
  if (inspection.status === 'reverted') {
    return { pays: false, status: 402, code: X402ProofErrorCode.TransactionFailed, message: 'the transaction reverted: no money moved' };
  }
  if (inspection.signedTransfer) {
    return { pays: false, status: 409, code: X402ProofErrorCode.AlreadyUsed, message: 'this transaction settled a signed payment authorization; it cannot pay again' };
  }
  const toPayee = inspection.transfers.filter((t) => same(t.to, reference.payTo));
  const paying = toPayee.filter((t) => same(t.token, reference.asset));
  if (paying.length === 0) {
    if (toPayee.length > 0) return { pays: false, status: 402, code: X402ProofErrorCode.WrongAsset, message: `the transaction sends another token to ${reference.payTo}; pay in ${reference.asset}` };
    if (inspection.transfers.some((t) => same(t.token, reference.asset))) {
      return { pays: false, status: 402, code: X402ProofErrorCode.WrongRecipient, message: `the transaction sends the token to another address; pay ${reference.payTo}` };
    }
    return { pays: false, status: 402, code: X402ProofErrorCode.TransferMissing, message: `the transaction moves no ${reference.asset} to ${reference.payTo}` };
  }
  const payer = paying[0].from;
  const byPayer = paying.every((t) => same(t.from, payer)) && (same(inspection.sender, payer) || (inspection.target !== undefined && same(inspection.target, payer)));
  if (!byPayer) {
    return {
      pays: false,
      status: 402,
      code: X402ProofErrorCode.NotPayerTransfer,
      message: 'the transaction is not a plain transfer by the payer (it was sent by someone else for the payer, e.g. a settlement); send the token with transfer() from the paying wallet',
    };
  }
  const transferred = paying.reduce((sum, t) => sum + t.value, 0n);
  if (transferred < BigInt(reference.amount)) {
    return { pays: false, status: 402, code: X402ProofErrorCode.Insufficient, message: `the transaction moves ${transferred} atomic units; ${reference.amount} are due` };
  }
  if (transferred > BigInt(reference.amount)) {
    return { pays: false, status: 402, code: X402ProofErrorCode.AmountMismatch, message: `the transaction moves ${transferred} atomic units; exactly ${reference.amount} are due` };
  }
  if (inspection.blockNumber <= BigInt(reference.minBlock)) {
    return { pays: false, status: 402, code: X402ProofErrorCode.TooOld, message: 'the transaction was mined before this payment was quoted; send a new transfer for this reference' };
  }
  return {
    pays: true,
    payer: getAddress(payer),
    transferred,
    blockNumber: inspection.blockNumber,
    confirmations: inspection.head >= inspection.blockNumber ? inspection.head - inspection.blockNumber + 1n : 0n,
  };
}
