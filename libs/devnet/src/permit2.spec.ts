import { jest } from '@jest/globals';
import { x402Facilitator } from '@x402/core/facilitator';
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types';
import { toClientEvmSigner, toFacilitatorEvmSigner } from '@x402/evm';
import { UptoEvmScheme as UptoClient } from '@x402/evm/upto/client';
import { UptoEvmScheme as UptoFacilitator } from '@x402/evm/upto/facilitator';
import { createWalletClient, http, maxUint256, publicActions } from 'viem';
import { PERMIT2_ADDRESS, UPTO_PERMIT2_PROXY_ADDRESS, permit2Abi, startDevnet, testUsdcAbi, type Devnet } from './index.js';

jest.setTimeout(30_000);

/**
 * The devnet's Permit2 and upto proxy against the real `@x402/evm` upto client and facilitator:
 * a payer signs a maximum, the facilitator settles less, exactly the maximum, or is refused more.
 */
describe('devnet Permit2 + x402 upto proxy', () => {
  let devnet: Devnet;
  let facilitator: x402Facilitator;
  let requirements: PaymentRequirements;
  const MAX = 100_000n; // $0.10

  beforeAll(async () => {
    devnet = await startDevnet();
    const wallet = createWalletClient({ account: devnet.accounts.facilitator.account, chain: devnet.chain, transport: http(devnet.rpcUrl) }).extend(publicActions);
    facilitator = new x402Facilitator().register(devnet.network, new UptoFacilitator(toFacilitatorEvmSigner({ ...wallet, address: wallet.account.address } as never)));
    const kind = (await facilitator.getSupported()).kinds.find((k) => k.scheme === 'upto')!;
    requirements = {
      scheme: 'upto',
      network: devnet.network,
      amount: MAX.toString(),
      asset: devnet.usdc.address,
      payTo: devnet.accounts.payTo.address,
      maxTimeoutSeconds: 300,
      extra: { name: devnet.usdc.name, version: devnet.usdc.version, assetTransferMethod: 'permit2', facilitatorAddress: kind.extra!.facilitatorAddress },
    };
    const buyer = createWalletClient({ account: devnet.accounts.buyer.account, chain: devnet.chain, transport: http(devnet.rpcUrl) });
    const hash = await buyer.writeContract({ address: devnet.usdc.address, abi: testUsdcAbi, functionName: 'approve', args: [PERMIT2_ADDRESS, maxUint256] });
    await devnet.publicClient.waitForTransactionReceipt({ hash });
  });
  afterAll(() => devnet?.stop());

  async function sign(): Promise<PaymentPayload> {
    const client = new UptoClient(toClientEvmSigner(devnet.accounts.buyer.account));
    const { payload } = await client.createPaymentPayload(2, requirements);
    return { x402Version: 2, accepted: requirements, payload } as PaymentPayload;
  }

  it('has code at the canonical addresses', async () => {
    expect(await devnet.publicClient.getCode({ address: PERMIT2_ADDRESS })).toMatch(/^0x[0-9a-f]{100,}/);
    expect(await devnet.publicClient.getCode({ address: UPTO_PERMIT2_PROXY_ADDRESS })).toMatch(/^0x[0-9a-f]{100,}/);
  });

  it('verifies a signed maximum and settles less, once', async () => {
    const payload = await sign();
    expect(await facilitator.verify(payload, requirements)).toMatchObject({ isValid: true });
    const before = await devnet.balanceOf(devnet.accounts.payTo.address);
    const settled = await facilitator.settle(payload, { ...requirements, amount: '30000' });
    expect(settled).toMatchObject({ success: true, amount: '30000' });
    expect((await devnet.balanceOf(devnet.accounts.payTo.address)) - before).toBe(30_000n);
    // the Permit2 nonce is spent: the same signature cannot move money again
    const again = await facilitator.settle(payload, { ...requirements, amount: '30000' });
    expect(again.success).toBe(false);
    expect((await devnet.balanceOf(devnet.accounts.payTo.address)) - before).toBe(30_000n);
    const nonce = BigInt((payload.payload as { permit2Authorization: { nonce: string } }).permit2Authorization.nonce);
    const word = await devnet.publicClient.readContract({ address: PERMIT2_ADDRESS, abi: permit2Abi, functionName: 'nonceBitmap', args: [devnet.accounts.buyer.address, nonce >> 8n] });
    expect((word >> (nonce & 255n)) & 1n).toBe(1n);
  });

  it('settles exactly the maximum, and refuses more than it', async () => {
    const before = await devnet.balanceOf(devnet.accounts.payTo.address);
    const over = await facilitator.settle(await sign(), { ...requirements, amount: (MAX + 1n).toString() });
    expect(over).toMatchObject({ success: false, errorReason: 'invalid_upto_evm_payload_settlement_exceeds_amount' });
    expect(await facilitator.settle(await sign(), requirements)).toMatchObject({ success: true, amount: MAX.toString() });
    expect((await devnet.balanceOf(devnet.accounts.payTo.address)) - before).toBe(MAX);
  });

  it('refuses a payment whose witness names another recipient', async () => {
    const payload = await sign();
    const tampered = structuredClone(payload) as PaymentPayload & { payload: { permit2Authorization: { witness: { to: string } } } };
    tampered.payload.permit2Authorization.witness.to = devnet.accounts.deployer.address;
    const result = await facilitator.verify(tampered, { ...requirements, payTo: devnet.accounts.deployer.address });
    expect(result.isValid).toBe(false);
  });
});
