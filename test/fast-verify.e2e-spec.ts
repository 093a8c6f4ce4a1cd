import { x402Facilitator } from '@x402/core/facilitator';
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types';
import { ExactEvmScheme } from '@x402/evm/exact/facilitator';
import { LocalFacilitatorClient } from '@nestjs-x402/core/local-facilitator';
import { verifyBeforeSettling } from '../libs/x402/src/facilitator/exact-fast-verify.js';
import { settleOnceRecorded } from '../libs/x402/src/facilitator/recorded-gate.js';
import { devnetChain, startDevnet, walletFacilitatorSigner, type Devnet } from '@nestjs-x402/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { signPayment } from './support/demo.harness.js';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The devnet's RPC behind a proxy that counts the JSON-RPC calls by method and first parameter. */
async function countingRpc(devnet: Devnet): Promise<{ url: string; server: Server; calls: { method: string; to?: string }[] }> {
  const calls: { method: string; to?: string }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString());
    for (const call of Array.isArray(body) ? body : [body]) {
      const first = call.params?.[0];
      calls.push({ method: call.method, to: typeof first === 'string' ? first.toLowerCase() : first?.to?.toLowerCase() });
    }
    const upstream = await fetch(devnet.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, calls };
}

const decode = (header: string) => JSON.parse(Buffer.from(header, 'base64').toString()) as PaymentPayload;
const withSignature = (payload: PaymentPayload, signature: string) => ({ ...payload, payload: { ...payload.payload, signature } }) as PaymentPayload;

/**
 * The local facilitator verifies the common payment (v2 EIP-3009 from an EOA) its own faster way:
 * for every payment of a corpus of good and bad ones it answers what `@x402/evm`'s verify answers,
 * on a real chain, and it reads the payer's code once per payer, not on every payment.
 */
describe('the local facilitator verifies as @x402/evm does, with fewer chain reads', () => {
  let devnet: Devnet;
  let rpc: Awaited<ReturnType<typeof countingRpc>>;
  let local: LocalFacilitatorClient;
  let reference: x402Facilitator;
  let requirements: PaymentRequirements;

  beforeAll(async () => {
    devnet = await startDevnet({ buyers: 1 });
    rpc = await countingRpc(devnet);
    local = new LocalFacilitatorClient({ privateKey: devnet.accounts.facilitator.privateKey, rpcUrls: { [devnet.network]: rpc.url } });
    const account = privateKeyToAccount(devnet.accounts.facilitator.privateKey);
    reference = new x402Facilitator().register(
      devnet.network as `${string}:${string}`,
      new ExactEvmScheme(walletFacilitatorSigner(account, devnetChain(devnet.chainId, devnet.rpcUrl), devnet.rpcUrl)),
    );
    requirements = {
      scheme: 'exact',
      network: devnet.network as `${string}:${string}`,
      amount: '10000',
      asset: devnet.usdc.address,
      payTo: devnet.accounts.payTo.address,
      maxTimeoutSeconds: 300,
      extra: { name: devnet.usdc.name, version: devnet.usdc.version },
    };
  });
  afterAll(async () => {
    await new Promise((resolve) => rpc?.server.close(resolve));
    await devnet?.stop();
  });

  const buyer = () => devnet.accounts.buyer.account;
  const now = () => Math.floor(Date.now() / 1000);
  const corpus: [string, () => Promise<{ payload: PaymentPayload; requirements: PaymentRequirements }>][] = [
    ['a good payment', async () => ({ payload: decode(await signPayment(buyer(), requirements, devnet.chainId)), requirements })],
    ['another signer than the payer', async () => {
      const payload = decode(await signPayment(devnet.accounts.buyers[0].account, requirements, devnet.chainId));
      const auth = (payload.payload as { authorization: Record<string, string> }).authorization;
      return { payload: { ...payload, payload: { ...payload.payload, authorization: { ...auth, from: buyer().address } } } as PaymentPayload, requirements };
    }],
    ['a tampered value', async () => {
      const payload = decode(await signPayment(buyer(), requirements, devnet.chainId));
      const auth = (payload.payload as { authorization: Record<string, string> }).authorization;
      return { payload: { ...payload, payload: { ...payload.payload, authorization: { ...auth, value: '20000' } } } as PaymentPayload, requirements };
    }],
    ['a value other than the price', async () => ({ payload: decode(await signPayment(buyer(), requirements, devnet.chainId, { value: '5000' })), requirements })],
    ['another recipient', async () => ({ payload: decode(await signPayment(buyer(), requirements, devnet.chainId, { to: devnet.accounts.buyers[0].address })), requirements })],
    ['expiring within 6 s', async () => ({ payload: decode(await signPayment(buyer(), requirements, devnet.chainId, { validBefore: String(now() + 3) })), requirements })],
    ['not valid yet', async () => ({ payload: decode(await signPayment(buyer(), requirements, devnet.chainId, { validAfter: String(now() + 60) })), requirements })],
    ['signed under another token name', async () => ({ payload: decode(await signPayment(buyer(), { ...requirements, extra: { name: 'Other', version: '2' } }, devnet.chainId)), requirements })],
    ['signed for another chain', async () => ({ payload: decode(await signPayment(buyer(), requirements, 8453)), requirements })],
    ['a payer without funds', async () => ({ payload: decode(await signPayment(privateKeyToAccount(generatePrivateKey()), requirements, devnet.chainId)), requirements })],
    ['high s with its v (the token refuses it)', async () => {
      const payload = decode(await signPayment(buyer(), requirements, devnet.chainId));
      const signature = (payload.payload as { signature: string }).signature;
      const s = BigInt(`0x${signature.slice(66, 130)}`);
      const v = parseInt(signature.slice(130), 16) === 27 ? '1c' : '1b';
      return { payload: withSignature(payload, `${signature.slice(0, 66)}${(N - s).toString(16).padStart(64, '0')}${v}`), requirements };
    }],
    ['random signature bytes', async () => ({ payload: withSignature(decode(await signPayment(buyer(), requirements, devnet.chainId)), `0x${'11'.repeat(65)}`), requirements })],
    ['an authorization already used on chain', async () => {
      const payload = decode(await signPayment(devnet.accounts.buyers[0].account, requirements, devnet.chainId));
      const settled = await reference.settle(payload, requirements);
      if (!settled.success) throw new Error(`could not settle the first use: ${settled.errorReason}`);
      return { payload, requirements };
    }],
  ];

  it.each(corpus)('%s: the same answer', async (_name, make) => {
    const { payload, requirements: required } = await make();
    const expected = await reference.verify(payload, required);
    const actual = await local.verify(payload, required);
    expect({ isValid: actual.isValid, invalidReason: actual.invalidReason, payer: actual.payer?.toLowerCase() }).toEqual({
      isValid: expected.isValid,
      invalidReason: expected.invalidReason,
      payer: expected.payer?.toLowerCase(),
    });
  });

  it('reads the payer\'s code once for several payments, and simulates each payment once', async () => {
    const payer = devnet.accounts.buyers[0].account;
    const payments = await Promise.all([1, 2, 3].map(async () => decode(await signPayment(payer, requirements, devnet.chainId))));
    await local.verify(payments[0], requirements); // the first read
    const before = rpc.calls.length;
    for (const payment of payments.slice(1)) expect((await local.verify(payment, requirements)).isValid).toBe(true);
    const calls = rpc.calls.slice(before);
    expect(calls.filter((c) => c.method === 'eth_getCode' && c.to === payer.address.toLowerCase())).toHaveLength(0);
    expect(calls.filter((c) => c.method === 'eth_call')).toHaveLength(2);
  });

  it('before settling (the guard), verifies a known payer\'s payments without any RPC call while its balance covers them', async () => {
    const payer = privateKeyToAccount(generatePrivateKey());
    await devnet.mint(payer.address, 20_000n); // two payments
    const payments = await Promise.all([1, 2, 3].map(async () => decode(await signPayment(payer, requirements, devnet.chainId))));
    expect((await verifyBeforeSettling(() => local.verify(payments[0], requirements))).isValid).toBe(true); // reads code and balance
    const before = rpc.calls.length;
    expect((await verifyBeforeSettling(() => local.verify(payments[1], requirements))).isValid).toBe(true);
    expect(rpc.calls.slice(before)).toEqual([]);
    // the third is past what the payer holds: checked on the chain (which does not know the two unsettled ones)
    expect((await verifyBeforeSettling(() => local.verify(payments[2], requirements))).isValid).toBe(true);
    expect(rpc.calls.slice(before).map((c) => c.method)).toContain('eth_call');
  });

  it('before settling (the guard), refuses a payer without funds with the reference\'s reason', async () => {
    const payload = decode(await signPayment(privateKeyToAccount(generatePrivateKey()), requirements, devnet.chainId));
    const expected = await reference.verify(payload, requirements);
    const actual = await verifyBeforeSettling(() => local.verify(payload, requirements));
    expect(expected.isValid).toBe(false);
    expect({ isValid: actual.isValid, invalidReason: actual.invalidReason }).toEqual({ isValid: false, invalidReason: expected.invalidReason });
  });

  it('before settling (the guard), counts a settled payment off the known balance', async () => {
    const payer = privateKeyToAccount(generatePrivateKey());
    await devnet.mint(payer.address, 20_000n);
    const [first, second, third] = await Promise.all([1, 2, 3].map(async () => decode(await signPayment(payer, requirements, devnet.chainId))));
    expect((await verifyBeforeSettling(() => local.verify(first, requirements))).isValid).toBe(true);
    expect((await local.settle(first, requirements)).success).toBe(true);
    expect((await verifyBeforeSettling(() => local.verify(second, requirements))).isValid).toBe(true);
    // 20000 - 10000 settled - 10000 reserved: the third is not covered, and the chain says so too
    const onChain = await verifyBeforeSettling(() => local.verify(third, requirements));
    expect(onChain.isValid).toBe(true); // the chain still holds 10000 (the second is unsettled)
    expect((await local.settle(second, requirements)).success).toBe(true);
    const late = await verifyBeforeSettling(() => local.verify(third, requirements));
    expect(late).toMatchObject({ isValid: false, invalidReason: (await reference.verify(third, requirements)).invalidReason });
  });

  it('settles a lone payment straight to the token with the fees read once a second: check, estimate, send, receipt', async () => {
    const payer = devnet.accounts.buyers[0].account;
    const [first, second] = await Promise.all([1, 2].map(async () => decode(await signPayment(payer, requirements, devnet.chainId))));
    expect((await local.settle(first, requirements)).success).toBe(true); // reads the fees
    const before = rpc.calls.length;
    const settled = await local.settle(second, requirements);
    expect(settled.success).toBe(true);
    // before: eth_fillTransaction (5-7 ms on anvil) on every settlement, ahead of the check
    const methods = rpc.calls.slice(before).map((c) => c.method);
    // the receipt is looked for again (2, 4, 8 ... ms later) when the chain has not mined it yet
    expect(methods.filter((m) => m !== 'eth_getTransactionReceipt').sort()).toEqual(['eth_call', 'eth_estimateGas', 'eth_sendRawTransaction']);
    expect(methods).toContain('eth_getTransactionReceipt');
    // before: through Multicall3 (about 6k gas more than the reference's transaction)
    const transaction = await devnet.publicClient.getTransaction({ hash: settled.transaction as `0x${string}` });
    expect(transaction.to?.toLowerCase()).toBe(devnet.usdc.address.toLowerCase());
  });

  it('answers a settlement before the nonce lock is let go, and the next one waits for it (across replicas)', async () => {
    // a lock as the database's: taken once its holder let it go; letting go is a round trip that ends when the test says
    const releases: (() => void)[] = [];
    let tail = Promise.resolve();
    const nonceLock = () => {
      let letGo!: () => void;
      const held = new Promise<void>((resolve) => (letGo = resolve));
      const acquired = tail;
      tail = tail.then(() => held);
      return acquired.then(() => () => new Promise<void>((resolve) => releases.push(() => (letGo(), resolve()))));
    };
    const replica = new LocalFacilitatorClient({ privateKey: devnet.accounts.facilitator.privateKey, rpcUrls: { [devnet.network]: rpc.url }, nonceLock });
    const payer = devnet.accounts.buyers[0].account;
    const [first, second] = await Promise.all([1, 2].map(async () => decode(await signPayment(payer, requirements, devnet.chainId))));
    let timer: NodeJS.Timeout | undefined;
    const held = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('not answered while the nonce lock is being let go')), 5_000)));
    try {
      // before: the settlement waited for the release (a database round trip on its path)
      expect((await Promise.race([replica.settle(first, requirements), held])).success).toBe(true);
      expect(releases).toHaveLength(0); // kept a moment for a next transaction of this process
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(releases).toHaveLength(1); // nobody came for it: let go
      const next = replica.settle(second, requirements);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const sent = rpc.calls.filter((c) => c.method === 'eth_sendRawTransaction').length;
      releases[0](); // only now may the next transaction take a nonce
      expect((await next).success).toBe(true);
      expect(rpc.calls.filter((c) => c.method === 'eth_sendRawTransaction').length).toBe(sent + 1);
    } finally {
      clearTimeout(timer);
      for (const release of releases) release();
    }
  });

  it('reads a new payer\'s code and balance ahead when asked (before the claim), and the verify then asks nothing more of the chain', async () => {
    const payer = privateKeyToAccount(generatePrivateKey());
    await devnet.mint(payer.address, 20_000n);
    const payment = decode(await signPayment(payer, requirements, devnet.chainId));
    const before = rpc.calls.length;
    local.prefetch(payment, requirements);
    const during = rpc.calls.length;
    expect((await verifyBeforeSettling(() => local.verify(payment, requirements))).isValid).toBe(true);
    const calls = rpc.calls.slice(before);
    expect(calls.map((c) => c.method).sort()).toEqual(['eth_call', 'eth_getCode']); // the balance and the code, once each
    expect(during - before).toBeLessThanOrEqual(2); // sent before the verify was asked (the proxy may not have seen them yet)
    // a payment that is not the common kind is left alone
    local.prefetch({ ...payment, x402Version: 1 } as PaymentPayload, requirements);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rpc.calls.length).toBe(before + calls.length);
  });

  /** A replica with a counting nonce lock, three payments of one payer, and where the RPC log stood. */
  async function countedLock() {
    const lock = { taken: 0, released: 0 };
    const nonceLock = async () => (lock.taken++, async () => void lock.released++);
    const replica = new LocalFacilitatorClient({ privateKey: devnet.accounts.facilitator.privateKey, rpcUrls: { [devnet.network]: rpc.url }, nonceLock });
    const payer = devnet.accounts.buyers[0].account;
    const payments = await Promise.all([1, 2, 3].map(async () => decode(await signPayment(payer, requirements, devnet.chainId))));
    return { lock, replica, payments, before: rpc.calls.length };
  }

  it('keeps the nonce lock for the next payment of a lone client: taken and let go once, the nonce read once', async () => {
    const { lock, replica, payments, before } = await countedLock();
    for (const payment of payments) {
      expect((await replica.settle(payment, requirements)).success).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 10)); // the client's next request
    }
    expect(rpc.calls.slice(before).filter((c) => c.method === 'eth_sendRawTransaction')).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 200)); // a kept lock nobody takes is let go
    // before: taken and let go around each transaction, the nonce read each time
    expect([lock.taken, lock.released]).toEqual([1, 1]);
    expect(rpc.calls.slice(before).filter((c) => c.method === 'eth_getTransactionCount')).toHaveLength(1);
  });

  it('keeps the nonce lock over back-to-back transactions: taken and let go once, the nonce read once', async () => {
    const { lock, replica, payments, before } = await countedLock();
    // the first is prepared and waits for its ledger write; the next two arrive meanwhile and go out after it
    let record!: (held: boolean) => void;
    const first = settleOnceRecorded(new Promise<boolean>((resolve) => (record = resolve)), () => replica.settle(payments[0], requirements));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const rest = payments.slice(1).map((p) => replica.settle(p, requirements));
    await new Promise((resolve) => setTimeout(resolve, 10));
    record(true);
    expect((await Promise.all([first, ...rest])).map((r) => r.success)).toEqual([true, true, true]);
    const sends = rpc.calls.slice(before).filter((c) => c.method === 'eth_sendRawTransaction').length;
    expect(sends).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 200)); // a kept lock nobody takes is let go
    // before: once per transaction
    expect([lock.taken, lock.released]).toEqual([1, 1]);
    expect(rpc.calls.slice(before).filter((c) => c.method === 'eth_getTransactionCount')).toHaveLength(1);
  });
});

