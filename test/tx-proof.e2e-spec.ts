import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import type { PaymentRequirements } from '@x402/core/types';
import { wrapFetchWithSIWx } from '@x402/extensions/sign-in-with-x';
import { x402Client } from '@x402/core/client';
import { toClientEvmSigner } from '@x402/evm';
import { UptoEvmScheme } from '@x402/evm/upto/client';
import { wrapFetchWithPayment } from '@x402/fetch';
import { DataSource } from 'typeorm';
import { createWalletClient, http, maxUint256, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { PrivateKeyAccount } from 'viem/accounts';
import { randomBytes } from 'node:crypto';
import { encodePaymentProof, X402ProofErrorCode } from '@nestjs-x402/core/proofs';
import { deployTestUsdc, mintUsdc, PERMIT2_ADDRESS, testUsdcAbi } from '@nestjs-x402/testing';
import { ADAPTERS, errorOf, payingFetch, startDemo, type Adapter, type DemoHarness } from './support/demo.harness.js';
import { rng } from './support/fuzz.js';
import { ReferenceSigner } from '../libs/x402/src/proofs/proof-reference.js';

type Receipt = { id: string; state: string; scheme: string; amount: string; authorizedAmount?: string; settledAmount?: string; transaction?: string; payer: string; nonce: string };

const CONFIRMATIONS = 3;
/** The key that signs the demo's payment references (the tests mint references with it: an expired one, for one). */
const PROOF_SECRET = 'test-proof-secret-0123456789abcdef';

/** The demo on anvil with transaction-hash proofs needing 3 confirmations (each test transfer is one block: automine). */
async function startProofDemo(adapter: Adapter = 'express'): Promise<DemoHarness> {
  return startDemo({}, {}, { adapter, x402: (options) => ({ ...options, proofs: { confirmations: { [options.networks[0]]: CONFIRMATIONS }, headCacheMs: 0, secret: PROOF_SECRET } }) });
}

/** Helpers over one demo: quotes, transfers, proofs. */
function helpers(demo: () => DemoHarness) {
  const quote = async (path: string): Promise<PaymentRequirements> => {
    const res = await fetch(`${demo().url}${path}`);
    expect(res.status).toBe(402);
    await res.arrayBuffer();
    const entry = decodePaymentRequiredHeader(res.headers.get('payment-required')!).accepts.find((a) => a.scheme === 'tx-hash');
    if (!entry) throw new Error(`no tx-hash entry in the 402 of ${path}`);
    return entry;
  };
  const transfer = async (from: PrivateKeyAccount, to: string, amount: bigint, token: Hex = demo().devnet.usdc.address, gas?: bigint): Promise<Hex> => {
    const { devnet } = demo();
    const wallet = createWalletClient({ account: from, chain: devnet.chain, transport: http(devnet.rpcUrl) });
    const hash = await wallet.writeContract({ address: token, abi: testUsdcAbi, functionName: 'transfer', args: [to as Hex, amount], ...(gas ? { gas } : {}) });
    await devnet.publicClient.waitForTransactionReceipt({ hash });
    return hash;
  };
  /** Pays a quote with a plain transfer from the buyer. */
  const pay = (entry: PaymentRequirements, amount = BigInt(entry.amount)) => transfer(demo().devnet.accounts.buyer.account, entry.payTo, amount);
  /** The proof header: the reference, the transaction and the payer's EIP-191 signature of the reference (by default the buyer's). */
  const proofOf = async (entry: PaymentRequirements, transaction: Hex, extra: { signer?: PrivateKeyAccount | null; access?: string } = {}) => {
    const reference = entry.extra.reference as string;
    const signer = extra.signer === undefined ? demo().devnet.accounts.buyer.account : extra.signer;
    const signature = signer ? await signer.signMessage({ message: reference }) : undefined;
    return Buffer.from(JSON.stringify({ network: entry.network, transaction, reference, signature, access: extra.access })).toString('base64');
  };
  const present = async (path: string, entry: PaymentRequirements, transaction: Hex, extra: { signer?: PrivateKeyAccount | null; access?: string; header?: string } = {}) =>
    fetch(`${demo().url}${path}`, { headers: { [extra.header ?? 'X-PAYMENT-PROOF']: await proofOf(entry, transaction, extra) } });
  const receipts = async (query = ''): Promise<Receipt[]> =>
    (await (await fetch(`${demo().url}/admin/receipts?limit=1000${query}`, { headers: { authorization: `Bearer ${demo().adminToken}` } })).json()).receipts;
  return { quote, transfer, pay, present, receipts };
}

describe('pay by transaction hash: confirmations, refusals, once only (anvil, PostgreSQL, express)', () => {
  let demo: DemoHarness;
  const { quote, transfer, pay, present, receipts } = helpers(() => demo);
  const merchant = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);

  beforeAll(async () => {
    demo = await startProofDemo();
  });
  afterAll(() => demo?.close());

  async function expectRefused(res: Response, status: number, code: string) {
    const body = await res.json();
    expect({ status: res.status, code: errorOf(body).code }).toEqual({ status, code });
    expect(typeof errorOf(body).message).toBe('string');
    expect(body).not.toHaveProperty('days');
    return body;
  }

  it('advertises a tx-hash entry after the signed one, with a fresh reference per 402; the official client still pays the signed one', async () => {
    const res = await fetch(`${demo.url}/archive/berlin`);
    const { accepts } = decodePaymentRequiredHeader(res.headers.get('payment-required')!);
    await res.arrayBuffer();
    expect(accepts.map((a) => a.scheme)).toEqual(['exact', 'tx-hash']);
    expect(accepts[1]).toMatchObject({
      network: demo.devnet.network,
      amount: '20000',
      asset: demo.devnet.usdc.address,
      payTo: demo.devnet.accounts.payTo.address,
      extra: { reference: expect.stringMatching(/^[0-9a-f]{24}\.\d+\.\d+\.\d+\.20000\.[A-Za-z0-9_-]{22}$/), confirmations: CONFIRMATIONS, proofHeader: 'X-PAYMENT-PROOF', sign: 'personal_sign(reference)' },
    });
    expect(accepts[1].extra.status).toBe(`${demo.url}/.well-known/x402/proofs/${accepts[1].extra.reference}`);
    expect((await quote('/archive/berlin')).extra.reference).not.toBe(accepts[1].extra.reference);
    const before = await merchant();
    expect((await payingFetch(demo.devnet.accounts.buyer.account)(`${demo.url}/archive/berlin`)).status).toBe(200);
    expect((await merchant()) - before).toBe(20_000n);
    // routes without txProof do not offer it
    const plain = decodePaymentRequiredHeader((await fetch(`${demo.url}/weather/forecast/lisbon`)).headers.get('payment-required')!);
    expect(plain.accepts.map((a) => a.scheme)).toEqual(['exact']);
  });

  it('a plain transfer grants access once after N confirmations, and never twice', async () => {
    const entry = await quote('/archive/berlin');
    const hash = await pay(entry);
    const first = await present('/archive/berlin', entry, hash);
    const pending = await expectRefused(first, 402, 'payment_pending');
    expect(first.headers.get('retry-after')).toBe('2');
    expect(pending.proof).toMatchObject({ state: 'pending', confirmations: 1, requiredConfirmations: CONFIRMATIONS, transaction: hash });
    const status = await (await fetch(entry.extra.status as string)).json();
    expect(status).toMatchObject({ reference: entry.extra.reference, state: 'pending', confirmations: 1, payer: demo.devnet.accounts.buyer.address });

    await demo.devnet.mine(1);
    expect((await expectRefused(await present('/archive/berlin', entry, hash), 402, 'payment_pending')).proof.confirmations).toBe(2);
    await demo.devnet.mine(1);
    expect((await (await fetch(entry.extra.status as string)).json()).state).toBe('confirmed');

    const paid = await present('/archive/berlin', entry, hash);
    expect(paid.status).toBe(200);
    expect((await paid.json()).days).toHaveLength(365);
    const settlement = decodePaymentResponseHeader(paid.headers.get('payment-response')!);
    expect(settlement).toMatchObject({ success: true, transaction: hash, network: demo.devnet.network, payer: demo.devnet.accounts.buyer.address, amount: '20000' });

    await expectRefused(await present('/archive/berlin', entry, hash), 409, 'payment_already_used');
    expect((await (await fetch(entry.extra.status as string)).json()).state).toBe('used');
    const receipt = (await receipts()).find((r) => r.transaction === hash)!;
    expect(receipt).toMatchObject({ state: 'settled', scheme: 'tx-hash', amount: '20000', authorizedAmount: '20000', settledAmount: '20000', nonce: entry.extra.reference });
  });

  it('the same hash with another reference, or on another resource, is refused', async () => {
    const entry = await quote('/archive/berlin');
    const other = await quote('/archive/berlin'); // quoted before the transfer too: only the binding tells them apart
    const hash = await pay(entry);
    await expectRefused(await present('/archive/berlin', entry, hash), 402, 'payment_pending'); // checked and bound to this reference
    await expectRefused(await present('/archive/berlin', other, hash), 409, 'payment_already_used');
    await expectRefused(await present('/archive/tokyo', entry, hash), 402, 'payment_reference_invalid'); // signed for another resource
    await demo.devnet.mine(CONFIRMATIONS);
    expect((await present('/archive/berlin', entry, hash)).status).toBe(200);
    await expectRefused(await present('/archive/berlin', other, hash), 409, 'payment_already_used');
  });

  it('refuses an underpayment, another token, another recipient, a reverted transfer and an unknown hash', async () => {
    const { buyer, deployer } = demo.devnet.accounts;
    const underpaid = await quote('/archive/berlin');
    await expectRefused(await present('/archive/berlin', underpaid, await pay(underpaid, 19_999n)), 402, 'payment_insufficient');

    // another token, deployed by the merchant's account (the deployer's key is the facilitator's: its nonces are the facilitator's business)
    const owner = createWalletClient({ account: demo.devnet.accounts.payTo.account, chain: demo.devnet.chain, transport: http(demo.devnet.rpcUrl) });
    const ctx = { publicClient: demo.devnet.publicClient, walletClient: owner };
    const other = await deployTestUsdc(ctx, { name: 'Other Dollar', version: '1' });
    await mintUsdc(ctx, other, [buyer.address], 1_000_000n);
    const wrongToken = await quote('/archive/berlin');
    await expectRefused(await present('/archive/berlin', wrongToken, await transfer(buyer.account, wrongToken.payTo, 20_000n, other)), 402, 'payment_wrong_asset');

    const wrongRecipient = await quote('/archive/berlin');
    await expectRefused(await present('/archive/berlin', wrongRecipient, await transfer(buyer.account, deployer.address, 20_000n)), 402, 'payment_wrong_recipient');

    const reverted = await quote('/archive/berlin');
    const failed = await transfer(buyer.account, reverted.payTo, 10n ** 15n, demo.devnet.usdc.address, 100_000n); // more than the buyer has
    expect((await demo.devnet.publicClient.getTransactionReceipt({ hash: failed })).status).toBe('reverted');
    await expectRefused(await present('/archive/berlin', reverted, failed), 402, 'payment_transaction_failed');

    const unknown = await present('/archive/berlin', await quote('/archive/berlin'), `0x${'ab'.repeat(32)}`);
    await expectRefused(unknown, 402, 'payment_pending');
    expect(unknown.headers.get('retry-after')).toBe('2');

    // refusals bind nothing: the underpaid reference can still be paid in full, with a new transfer
    const full = await pay(underpaid);
    await demo.devnet.mine(CONFIRMATIONS);
    expect((await present('/archive/berlin', underpaid, full)).status).toBe(200);
  });

  it('refuses a transfer mined before the quote', async () => {
    const early = await transfer(demo.devnet.accounts.buyer.account, demo.devnet.accounts.payTo.address, 20_000n);
    await demo.devnet.mine(CONFIRMATIONS);
    const entry = await quote('/archive/berlin');
    await expectRefused(await present('/archive/berlin', entry, early), 402, 'payment_transaction_too_old');
  });

  it('a transaction that settled a signed x402 payment cannot be presented as a proof', async () => {
    const paid = await payingFetch(demo.devnet.accounts.buyer.account)(`${demo.url}/archive/berlin`);
    expect(paid.status).toBe(200);
    const { transaction } = decodePaymentResponseHeader(paid.headers.get('payment-response')!);
    await demo.devnet.mine(CONFIRMATIONS);
    await expectRefused(await present('/archive/berlin', await quote('/archive/berlin'), transaction as Hex), 409, 'payment_already_used');
  });

  it('one confirmed proof presented 6 times at once serves exactly one request', async () => {
    const entry = await quote('/archive/berlin');
    const hash = await pay(entry);
    await demo.devnet.mine(CONFIRMATIONS);
    const responses = await Promise.all(Array.from({ length: 6 }, () => present('/archive/berlin', entry, hash)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
    for (const r of responses.filter((r) => r.status === 409)) expect(['payment_in_progress', 'payment_already_used']).toContain(errorOf(await r.json()).code);
    expect((await receipts()).filter((r) => r.transaction === hash)).toHaveLength(1);
  });

  it('a handler that fails does not use the payment: it can be presented again', async () => {
    const entry = await quote('/archive/atlantis');
    const hash = await pay(entry);
    await demo.devnet.mine(CONFIRMATIONS);
    expect((await present('/archive/atlantis', entry, hash)).status).toBe(404);
    expect((await (await fetch(entry.extra.status as string)).json()).state).toBe('confirmed');
    expect((await present('/archive/atlantis', entry, hash)).status).toBe(404);
    expect((await receipts()).filter((r) => r.transaction === hash)).toHaveLength(0);
  });

  it('opens an access window after a confirmed payment to its payer only: the proof with the access secret of its PAYMENT-RESPONSE, or signing in with the paying wallet', async () => {
    const entry = await quote('/archive/lisbon/climate');
    expect(entry.amount).toBe('30000');
    const hash = await pay(entry);
    await demo.devnet.mine(CONFIRMATIONS);
    const paid = await present('/archive/lisbon/climate', entry, hash);
    expect(paid.status).toBe(200);
    const { access } = decodePaymentResponseHeader(paid.headers.get('payment-response')!).extra as { access: string };
    // the hash is public and a proof header can be copied: neither opens the window without the secret only the payer was given
    await expectRefused(await present('/archive/lisbon/climate', entry, hash, { signer: null }), 409, 'payment_already_used');
    await expectRefused(await present('/archive/lisbon/climate', entry, hash), 409, 'payment_already_used');
    const again = await present('/archive/lisbon/climate', entry, hash, { access });
    expect(again.status).toBe(200);
    expect((await again.json()).months).toHaveLength(12);
    const signedIn = await wrapFetchWithSIWx(fetch, demo.devnet.accounts.buyer.account)(`${demo.url}/archive/lisbon/climate`);
    expect(signedIn.status).toBe(200);
    expect((await receipts()).filter((r) => r.transaction === hash)).toHaveLength(1);
  });

  it('front-running: a mined transfer presented first with another reference is refused; its payer is then served', async () => {
    const victim = await quote('/archive/berlin');
    const attackers = await quote('/archive/berlin');
    const hash = await pay(victim);
    await demo.devnet.mine(CONFIRMATIONS);
    const attacker = privateKeyToAccount(generatePrivateKey());
    for (const signer of [attacker, null]) {
      const stolen = await present('/archive/berlin', attackers, hash, { signer });
      expect(stolen.status).toBe(402);
      expect(errorOf(await stolen.json()).code).toMatch(/^payment_signature_(invalid|required)$/);
    }
    const paid = await present('/archive/berlin', victim, hash);
    expect(paid.status).toBe(200);
    expect((await receipts()).filter((r) => r.transaction === hash)).toHaveLength(1);
  });

  it('accepts exactly the quoted amount: a larger transfer does not pay for a cheaper route', async () => {
    const entry = await quote('/archive/berlin');
    const hash = await pay(entry, 30_000n);
    await demo.devnet.mine(CONFIRMATIONS);
    await expectRefused(await present('/archive/berlin', entry, hash), 402, 'payment_amount_mismatch');
  });

  it('accepts Paywalled-Proof as an alias of X-PAYMENT-PROOF (one of them, once)', async () => {
    const entry = await quote('/archive/berlin');
    const hash = await pay(entry);
    await demo.devnet.mine(CONFIRMATIONS);
    const header = await (async () => {
      const res = await present('/archive/berlin', entry, hash, { header: 'Paywalled-Proof' });
      expect(res.status).toBe(200);
      return res.headers.get('payment-response');
    })();
    expect(decodePaymentResponseHeader(header!).transaction).toBe(hash);
    await expectRefused(await present('/archive/berlin', entry, hash), 409, 'payment_already_used');
  });

  it('anonymous 402s write no rows; a forged reference is a 402 with its code, before any chain read', async () => {
    const dataSource = demo.app.get(DataSource, { strict: false });
    const count = async () => Number((await dataSource.query('SELECT count(*) AS n FROM x402_payment_references'))[0].n);
    const before = await count();
    for (let i = 0; i < 20; i++) await quote('/archive/berlin');
    expect(await count()).toBe(before);
    const entry = await quote('/archive/berlin');
    const reference = entry.extra.reference as string;
    const forged = { ...entry, extra: { ...entry.extra, reference: `${reference[0] === 'a' ? 'b' : 'a'}${reference.slice(1)}` } };
    await expectRefused(await present('/archive/berlin', forged, `0x${'ef'.repeat(32)}`), 402, 'payment_reference_invalid');
  });

  it('a reference signed with the server key is honoured until it expires: an expired one is a 402 payment_reference_expired', async () => {
    const signer = new ReferenceSigner(Buffer.from(PROOF_SECRET));
    const quote = {
      route: 'GET /archive/:city',
      resourceUrl: `${demo.url}/archive/berlin`,
      network: demo.devnet.network,
      asset: demo.devnet.usdc.address,
      payTo: demo.devnet.accounts.payTo.address,
      amount: '20000',
      minBlock: (await demo.devnet.publicClient.getBlockNumber()).toString(),
    };
    const expired = { scheme: 'tx-hash', network: quote.network, amount: quote.amount, asset: quote.asset, payTo: quote.payTo, maxTimeoutSeconds: 60, extra: {} } as PaymentRequirements;
    const live = structuredClone(expired);
    expired.extra.reference = signer.issue({ ...quote, expiresAt: new Date(Date.now() - 1000) });
    live.extra.reference = signer.issue({ ...quote, expiresAt: new Date(Date.now() + 60_000) });
    await expectRefused(await present('/archive/berlin', expired, await pay(expired)), 402, 'payment_reference_expired');
    const hash = await pay(live);
    await demo.devnet.mine(CONFIRMATIONS);
    expect((await present('/archive/berlin', live, hash)).status).toBe(200);
  });

  it("a usage-based (upto, Permit2) settlement cannot be presented as a proof, not even by its payer before the ledger knows it", async () => {
    const { buyer } = demo.devnet.accounts;
    // another instance on the same chain, with its own ledger: this one has not recorded the settlement (the race of issue 14, finding 9)
    const other = await startDemo({}, {}, { devnet: demo.devnet });
    try {
      const wallet = createWalletClient({ account: buyer.account, chain: demo.devnet.chain, transport: http(demo.devnet.rpcUrl) });
      const approval = await wallet.writeContract({ address: demo.devnet.usdc.address, abi: testUsdcAbi, functionName: 'approve', args: [PERMIT2_ADDRESS, maxUint256] });
      await demo.devnet.publicClient.waitForTransactionReceipt({ hash: approval });
      const entry = await quote('/archive/berlin');
      const client = new x402Client().register('eip155:*', new UptoEvmScheme(toClientEvmSigner(buyer.account)));
      client.setSpendControls({ allowedAssets: true });
      const res = await wrapFetchWithPayment(fetch, client)(`${other.url}/bulk/forecasts?cities=lisbon,tokyo`);
      expect(res.status).toBe(200);
      const settlement = decodePaymentResponseHeader(res.headers.get('payment-response')!);
      expect(settlement.amount).toBe('20000');
      await demo.devnet.mine(CONFIRMATIONS);
      await expectRefused(await present('/archive/berlin', entry, settlement.transaction as Hex), 402, 'payment_not_payer_transfer');
    } finally {
      await other.close();
    }
  });

  it('seeded fuzz of transaction-hash front-running: mined transfers presented with other references, signatures and tampered references are all refused; their payers are then served', async () => {
    const seed = Number(process.env.X402_FUZZ_SEED ?? 402);
    const cases = Number(process.env.X402_PROOF_FUZZ_CASES ?? 300);
    const r = rng(seed);
    const codes = new Set<string>([...Object.values(X402ProofErrorCode), 'invalid_payment_header']);
    const attacker = privateKeyToAccount(generatePrivateKey());
    // the victims' transfers are mined and confirmed, not yet presented: the window a front-runner aims at
    const victims = [];
    for (let i = 0; i < 3; i++) {
      const entry = await quote('/archive/berlin');
      victims.push({ entry, hash: await pay(entry) });
    }
    await demo.devnet.mine(CONFIRMATIONS);
    const theirs = await Promise.all(Array.from({ length: 4 }, () => quote('/archive/berlin')));
    const leaked = await Promise.all(victims.map((v) => demo.devnet.accounts.buyer.account.signMessage({ message: v.entry.extra.reference as string })));
    const tamper = (reference: string) => {
      const i = r.int(reference.length);
      const swap = reference[i] === '.' ? '.' : reference[i] === '1' ? '2' : '1';
      return swap === reference[i] ? `${reference}0` : `${reference.slice(0, i)}${swap}${reference.slice(i + 1)}`;
    };
    const header = (network: string, transaction: string, reference: string, signature?: string) =>
      Buffer.from(JSON.stringify({ network, transaction, reference, signature })).toString('base64');

    const failures: string[] = [];
    for (let index = 0; index < cases; index++) {
      const v = r.int(victims.length);
      const { entry, hash } = victims[v];
      const other = r.pick(theirs);
      const ownRef = other.extra.reference as string;
      const kind = r.pick(['own reference, own signature', 'own reference, no signature', 'own reference, leaked signature', "victim's reference, own signature", 'tampered reference', 'random hash', 'both headers']);
      let proof: string;
      let extra: Record<string, string> = {};
      if (kind === 'own reference, own signature') proof = header(entry.network, hash, ownRef, await attacker.signMessage({ message: ownRef }));
      else if (kind === 'own reference, no signature') proof = header(entry.network, hash, ownRef);
      else if (kind === 'own reference, leaked signature') proof = header(entry.network, hash, ownRef, leaked[v]);
      else if (kind === "victim's reference, own signature") proof = header(entry.network, hash, entry.extra.reference as string, await attacker.signMessage({ message: entry.extra.reference as string }));
      else if (kind === 'tampered reference') proof = header(entry.network, hash, tamper(entry.extra.reference as string), leaked[v]);
      else if (kind === 'random hash') proof = header(entry.network, `0x${randomBytes(32).toString('hex')}`, ownRef, await attacker.signMessage({ message: ownRef }));
      else {
        proof = header(entry.network, hash, ownRef);
        extra = { 'X-PAYMENT-PROOF': proof };
      }
      const res = await fetch(`${demo.url}/archive/berlin`, { headers: { [r.chance(0.5) ? 'X-PAYMENT-PROOF' : 'Paywalled-Proof']: proof, ...extra } });
      const body = await res.json();
      const code = errorOf(body).code ?? '';
      if (res.status < 400 || res.status > 499 || !codes.has(code) || 'days' in body) failures.push(`#${index} ${kind}: ${res.status} ${code}`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
    // nothing was bound by the attempts: every victim is served, once
    for (const { entry, hash } of victims) expect((await present('/archive/berlin', entry, hash)).status).toBe(200);
  }, 120_000);

  it('bad proof headers are a 400, a reference not issued here a 402, never a 5xx', async () => {
    for (const header of ['%%%', Buffer.from('{"network":1}').toString('base64'), Buffer.from('null').toString('base64'), 'A'.repeat(2000)]) {
      const res = await fetch(`${demo.url}/archive/berlin`, { headers: { 'X-PAYMENT-PROOF': header } });
      await expectRefused(res, 400, 'invalid_payment_proof');
    }
    const entry = await quote('/archive/berlin');
    const proof = (reference: string) => encodePaymentProof({ network: entry.network, transaction: `0x${'cd'.repeat(32)}`, reference });
    await expectRefused(await fetch(`${demo.url}/archive/berlin`, { headers: { 'X-PAYMENT-PROOF': proof('f'.repeat(32)) } }), 400, 'invalid_payment_proof');
    const made = `${'f'.repeat(24)}.${demo.devnet.chainId}.1.9999999999.1.${'A'.repeat(22)}`; // the shape of a reference, not issued here
    await expectRefused(await fetch(`${demo.url}/archive/berlin`, { headers: { 'X-PAYMENT-PROOF': proof(made) } }), 402, 'payment_reference_invalid');
    await expectRefused(
      await fetch(`${demo.url}/archive/berlin`, { headers: { 'X-PAYMENT-PROOF': proof(entry.extra.reference as string), 'Paywalled-Proof': proof(entry.extra.reference as string) } }),
      400,
      'invalid_payment_proof',
    );
    expect((await fetch(`${demo.url}/.well-known/x402/proofs/${'f'.repeat(32)}`)).status).toBe(404);
    expect(await (await fetch(entry.extra.status as string)).json()).toMatchObject({ state: 'open', amount: '20000', network: entry.network, requiredConfirmations: CONFIRMATIONS });
  });
});

describe.each(ADAPTERS)('pay by transaction hash (anvil, %s)', (adapter) => {
  let demo: DemoHarness;
  const { quote, pay, present } = helpers(() => demo);

  beforeAll(async () => {
    demo = await startProofDemo(adapter);
  });
  afterAll(() => demo?.close());

  it('serves once after the confirmations, with PAYMENT-RESPONSE, then 409', async () => {
    const entry = await quote('/archive/tokyo');
    const hash = await pay(entry);
    expect((await present('/archive/tokyo', entry, hash)).status).toBe(402);
    await demo.devnet.mine(CONFIRMATIONS - 1);
    const paid = await present('/archive/tokyo', entry, hash);
    expect(paid.status).toBe(200);
    expect(decodePaymentResponseHeader(paid.headers.get('payment-response')!).transaction).toBe(hash);
    expect((await present('/archive/tokyo', entry, hash)).status).toBe(409);
  });

  it("a mined transfer presented first with another's reference is refused; its payer is served through Paywalled-Proof", async () => {
    const victim = await quote('/archive/tokyo');
    const attackers = await quote('/archive/tokyo');
    const hash = await pay(victim);
    await demo.devnet.mine(CONFIRMATIONS);
    const stolen = await present('/archive/tokyo', attackers, hash, { signer: privateKeyToAccount(generatePrivateKey()) });
    expect({ status: stolen.status, code: errorOf(await stolen.json()).code }).toEqual({ status: 402, code: 'payment_signature_invalid' });
    expect((await present('/archive/tokyo', victim, hash, { header: 'Paywalled-Proof' })).status).toBe(200);
  });
});
