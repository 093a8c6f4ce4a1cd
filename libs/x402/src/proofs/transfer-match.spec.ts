import type { PaymentReference } from './proof-store.interface.js';
import { judgeTransfer } from './transfer-match.js';
import type { TransactionInspection, TransferLog } from './transfer-reader.js';

const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const OTHER = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

const reference: PaymentReference = {
  reference: 'a'.repeat(32),
  network: 'eip155:8453',
  asset: USDC,
  payTo: PAY_TO,
  amount: '10000',
  route: 'GET /x',
  resourceUrl: 'https://api.example.com/x',
  minBlock: '100',
  expiresAt: new Date(Date.now() + 60_000),
  state: 'open',
  createdAt: new Date(),
};

const transfer = (overrides: Partial<TransferLog> = {}): TransferLog => ({ token: USDC.toLowerCase(), from: PAYER.toLowerCase(), to: PAY_TO.toLowerCase(), value: 10_000n, ...overrides });
const mined = (transfers: TransferLog[], overrides: Partial<Extract<TransactionInspection, { status: 'mined' }>> = {}): TransactionInspection => ({
  status: 'mined',
  blockNumber: 101n,
  head: 103n,
  transfers,
  signedTransfer: false,
  sender: PAYER,
  target: USDC,
  ...overrides,
});

const FACILITATOR = '0x90F79bf6EB2c4F870365E785982E1f101E93b906';
const UPTO_PROXY = '0x4020633461b2895a48930Ff97eE8fCdE8E520002';

describe('judgeTransfer: what a plain transfer by the payer is (issue 14)', () => {
  it('refuses a settlement someone else sent for the payer (an upto / Permit2 settlement emits no AuthorizationUsed)', () => {
    const permit2 = mined([transfer()], { sender: FACILITATOR, target: UPTO_PROXY });
    expect(judgeTransfer(permit2, reference)).toMatchObject({ pays: false, status: 402, code: 'payment_not_payer_transfer' });
  });

  it('refuses a transfer of more than the quoted amount', () => {
    expect(judgeTransfer(mined([transfer({ value: 10_001n })]), reference)).toMatchObject({ pays: false, code: 'payment_amount_mismatch' });
  });
});

describe('judgeTransfer', () => {
  it('accepts a transfer of exactly the amount to payTo by its sender, in a block after the quote, and counts confirmations', () => {
    expect(judgeTransfer(mined([transfer()]), reference)).toEqual({ pays: true, payer: PAYER, transferred: 10_000n, blockNumber: 101n, confirmations: 3n });
    expect(judgeTransfer(mined([transfer({ value: 6_000n }), transfer({ value: 4_000n })]), reference)).toMatchObject({ pays: true, transferred: 10_000n });
    // a contract wallet (a multisig) called directly: someone else sends the transaction, the wallet is its target
    expect(judgeTransfer(mined([transfer()], { sender: PAY_TO, target: PAYER }), reference)).toMatchObject({ pays: true, payer: PAYER });
  });

  it('refuses transfers to payTo from more than one sender in one transaction', () => {
    expect(judgeTransfer(mined([transfer({ value: 6_000n }), transfer({ value: 4_000n, from: OTHER })]), reference)).toMatchObject({ pays: false, code: 'payment_not_payer_transfer' });
  });

  it.each<[string, TransactionInspection, string, number]>([
    ['not mined', { status: 'not_found' }, 'payment_pending', 402],
    ['reverted', { status: 'reverted', blockNumber: 101n, head: 101n }, 'payment_transaction_failed', 402],
    ['an x402 (EIP-3009) settlement', mined([transfer()], { signedTransfer: true }), 'payment_already_used', 409],
    ['another token', mined([transfer({ token: OTHER })]), 'payment_wrong_asset', 402],
    ['another recipient', mined([transfer({ to: PAYER })]), 'payment_wrong_recipient', 402],
    ['no transfer at all', mined([]), 'payment_transfer_missing', 402],
    ['an underpayment', mined([transfer({ value: 9_999n })]), 'payment_insufficient', 402],
    ['a block of the quote itself', mined([transfer()], { blockNumber: 100n }), 'payment_transaction_too_old', 402],
  ])('refuses %s', (_, inspection, code, status) => {
    expect(judgeTransfer(inspection, reference)).toMatchObject({ pays: false, code, status });
  });

  it('marks a transaction not yet mined as pending (to retry)', () => {
    expect(judgeTransfer({ status: 'not_found' }, reference)).toMatchObject({ pending: true });
  });
});
