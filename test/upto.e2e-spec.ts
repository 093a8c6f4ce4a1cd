import { x402Client } from '@x402/core/client';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import { toClientEvmSigner } from '@x402/evm';
import { UptoEvmScheme } from '@x402/evm/upto/client';
import { wrapFetchWithPayment } from '@x402/fetch';
import { createWalletClient, http, maxUint256 } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { PERMIT2_ADDRESS, testUsdcAbi } from '@nestjs-x402/testing';
import { ADAPTERS, errorOf, startDemo, type DemoHarness } from './support/demo.harness.js';

type Receipt = { state: string; scheme: string; amount: string; authorizedAmount?: string; settledAmount?: string; transaction?: string; payer: string };

/** `fetch` that pays 402s with the official x402 client's `upto` scheme (a Permit2 signature for the maximum). */
function uptoFetch(account: PrivateKeyAccount, capture?: (header: string) => void): typeof fetch {
  const client = new x402Client().register('eip155:*', new UptoEvmScheme(toClientEvmSigner(account)));
  client.setSpendControls({ allowedAssets: true });
  const base: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const header = request.headers.get('payment-signature');
    if (header) capture?.(header);
    return fetch(request);
  };
  return wrapFetchWithPayment(base, client);
}

describe.each(ADAPTERS)('usage-based prices with the upto scheme (anvil, Permit2, PostgreSQL, %s)', (adapter) => {
  let demo: DemoHarness;
  const route = (cities: string) => `${demo.url}/bulk/forecasts?cities=${cities}`;
  const merchant = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);
  const receipts = async (): Promise<Receipt[]> =>
    (await (await fetch(`${demo.url}/admin/receipts?limit=1000`, { headers: { authorization: `Bearer ${demo.adminToken}` } })).json()).receipts;

  beforeAll(async () => {
    demo = await startDemo({}, {}, { adapter });
    // Permit2 needs a one-time approval of the token by the payer, as on a real chain.
    const { buyer } = demo.devnet.accounts;
    const wallet = createWalletClient({ account: buyer.account, chain: demo.devnet.chain, transport: http(demo.devnet.rpcUrl) });
    const hash = await wallet.writeContract({ address: demo.devnet.usdc.address, abi: testUsdcAbi, functionName: 'approve', args: [PERMIT2_ADDRESS, maxUint256] });
    await demo.devnet.publicClient.waitForTransactionReceipt({ hash });
  });
  afterAll(() => demo?.close());

  it('asks for an upto authorization of the maximum, with the facilitator that may settle it', async () => {
    const res = await fetch(route('lisbon'));
    expect(res.status).toBe(402);
    const { accepts } = decodePaymentRequiredHeader(res.headers.get('payment-required')!);
    expect(accepts).toHaveLength(1);
    expect(accepts[0]).toMatchObject({
      scheme: 'upto',
      amount: '50000',
      asset: demo.devnet.usdc.address,
      payTo: demo.devnet.accounts.payTo.address,
      extra: { assetTransferMethod: 'permit2', facilitatorAddress: demo.devnet.accounts.facilitator.address },
    });
  });

  it('settles what the handler charged, less than the maximum', async () => {
    const before = await merchant();
    const buyerBefore = await demo.devnet.balanceOf(demo.devnet.accounts.buyer.address);
    const res = await uptoFetch(demo.devnet.accounts.buyer.account)(route('lisbon,tokyo'));
    expect(res.status).toBe(200);
    expect((await res.json()).charged).toEqual({ atomic: '20000', capped: false });
    const settlement = decodePaymentResponseHeader(res.headers.get('payment-response')!);
    expect(settlement).toMatchObject({ success: true, amount: '20000', payer: demo.devnet.accounts.buyer.address });
    expect((await merchant()) - before).toBe(20_000n);
    expect(buyerBefore - (await demo.devnet.balanceOf(demo.devnet.accounts.buyer.address))).toBe(20_000n);
    const receipt = (await receipts()).find((r) => r.transaction === settlement.transaction)!;
    expect(receipt).toMatchObject({ state: 'settled', scheme: 'upto', amount: '20000', authorizedAmount: '50000', settledAmount: '20000' });
  });

  it('settles exactly the maximum when the handler charges it', async () => {
    const before = await merchant();
    const res = await uptoFetch(demo.devnet.accounts.buyer.account)(route('lisbon,tokyo,berlin,amsterdam,nairobi'));
    expect(res.status).toBe(200);
    expect((await res.json()).charged).toEqual({ atomic: '50000', capped: false });
    expect(decodePaymentResponseHeader(res.headers.get('payment-response')!).amount).toBe('50000');
    expect((await merchant()) - before).toBe(50_000n);
  });

  it('never settles more than authorized: a handler asking for more is capped at the maximum', async () => {
    const before = await merchant();
    const res = await uptoFetch(demo.devnet.accounts.buyer.account)(route('lisbon,tokyo,berlin,amsterdam,nairobi,singapore,new-york,sao-paulo'));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.forecasts).toHaveLength(8);
    expect(body.charged).toEqual({ atomic: '50000', capped: true });
    const settlement = decodePaymentResponseHeader(res.headers.get('payment-response')!);
    expect(settlement.amount).toBe('50000');
    expect((await merchant()) - before).toBe(50_000n);
    expect((await receipts()).find((r) => r.transaction === settlement.transaction)).toMatchObject({ amount: '50000', authorizedAmount: '50000', settledAmount: '50000' });
  });

  it('charges nothing when the handler fails, and the same authorization replays without a second charge', async () => {
    const before = await merchant();
    expect((await uptoFetch(demo.devnet.accounts.buyer.account)(route('atlantis'))).status).toBe(400);
    expect(await merchant()).toBe(before);

    let header = '';
    const res = await uptoFetch(demo.devnet.accounts.buyer.account, (h) => (header = h))(route('berlin'));
    expect(res.status).toBe(200);
    const again = await fetch(route('berlin'), { headers: { 'PAYMENT-SIGNATURE': header } });
    expect(again.status).toBe(200);
    expect(again.headers.get('payment-response')).toBe(res.headers.get('payment-response'));
    expect((await merchant()) - before).toBe(10_000n);
  });

  it('refuses a payer that has not approved Permit2, with the facilitator reason', async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    await demo.devnet.mint(stranger.address, 1_000_000n);
    const res = await uptoFetch(stranger)(route('lisbon'));
    expect(res.status).toBe(402);
    expect(errorOf(await res.json()).code).toBe('permit2_allowance_required');
  });

  it('documents the route as "up to" in OpenAPI', async () => {
    const document = await (await fetch(`${demo.url}/openapi.json`)).json();
    const operation = document.paths['/bulk/forecasts'].get;
    expect(operation.summary).toMatch(/^Up to \$0\.05 · USDC/);
    expect(operation['x-payment-info'].price).toMatchObject({ mode: 'dynamic', currency: 'USD', max: '0.05' });
    expect(operation['x-payment-info'].protocols[0].x402).toMatchObject({ scheme: 'upto', accepts: [{ scheme: 'upto', amount: '50000' }] });
    expect(operation.description).toContain('x402 price: up to $0.05 (USD)');
  });
});
