import { randomBytes } from 'node:crypto';
import { jest } from '@jest/globals';
import {
  createWalletClient,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  http,
  parseSignature,
  toHex,
  type Address,
  type Hex,
} from 'viem';
import {
  DEVNET_ACCOUNTS,
  DEVNET_USDC_ADDRESS,
  MULTICALL3_ADDRESS,
  deriveBuyerAccounts,
  deriveDevnetAccount,
  loadArtifacts,
  multicall3Abi,
  startDevnet,
  testUsdcAbi,
  type Devnet,
  type DevnetAccount,
} from './index.js';

jest.setTimeout(15_000);

const { deployer, buyer, payTo } = DEVNET_ACCOUNTS;
const USDC = 1_000_000n;

const transferTypes = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const;

const receiveTypes = { ReceiveWithAuthorization: transferTypes.TransferWithAuthorization } as const;

const permitTypes = {
  Permit: [
    { name: 'owner', type: 'address' },
    { name: 'spender', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const;

interface Authorization {
  from: Address;
  to: Address;
  value: bigint;
  validAfter: bigint;
  validBefore: bigint;
  nonce: Hex;
}

const randomNonce = (): Hex => toHex(randomBytes(32));

describe('startDevnet (real anvil)', () => {
  let devnet: Devnet;

  const domain = () => ({
    name: devnet.usdc.name,
    version: devnet.usdc.version,
    chainId: devnet.chainId,
    verifyingContract: devnet.usdc.address,
  });

  const chainNow = async () => (await devnet.publicClient.getBlock()).timestamp;

  async function authorization(overrides: Partial<Authorization> = {}): Promise<Authorization> {
    const now = await chainNow();
    return {
      from: buyer.address,
      to: payTo.address,
      value: 10n * USDC,
      validAfter: now - 60n,
      validBefore: now + 600n,
      nonce: randomNonce(),
      ...overrides,
    };
  }

  const signTransfer = (signer: DevnetAccount, message: Authorization) =>
    signer.account.signTypedData({ domain: domain(), types: transferTypes, primaryType: 'TransferWithAuthorization', message });

  const authArgs = (a: Authorization) => [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce] as const;

  /** Submits the (v, r, s) overload from the deployer (the facilitator's role). */
  async function submitVrs(a: Authorization, signature: Hex) {
    const { r, s, v, yParity } = parseSignature(signature);
    const hash = await devnet.walletClient.writeContract({
      address: devnet.usdc.address,
      abi: testUsdcAbi,
      functionName: 'transferWithAuthorization',
      args: [...authArgs(a), Number(v ?? BigInt(yParity + 27)), r, s],
    });
    return devnet.publicClient.waitForTransactionReceipt({ hash });
  }

  /** Submits the `bytes signature` overload from the deployer. */
  async function submitBytes(a: Authorization, signature: Hex) {
    const hash = await devnet.walletClient.writeContract({
      address: devnet.usdc.address,
      abi: testUsdcAbi,
      functionName: 'transferWithAuthorization',
      args: [...authArgs(a), signature],
    });
    return devnet.publicClient.waitForTransactionReceipt({ hash });
  }

  const authorizationState = (a: Authorization) =>
    devnet.publicClient.readContract({
      address: devnet.usdc.address,
      abi: testUsdcAbi,
      functionName: 'authorizationState',
      args: [a.from, a.nonce],
    });

  beforeAll(async () => {
    devnet = await startDevnet();
    // Visible in the test log; the hard bound below is generous for slow CI machines.
    console.log(`devnet ready in ${devnet.startupMs} ms at ${devnet.rpcUrl}`);
  });

  afterAll(async () => {
    await devnet?.stop();
  });

  it('starts quickly on a free port with the requested chain', async () => {
    expect(devnet.startupMs).toBeLessThan(5_000);
    expect(devnet.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(devnet.rpcUrl).not.toMatch(/:8545$/);
    expect(devnet.chainId).toBe(31337);
    expect(devnet.network).toBe('eip155:31337');
    expect(await devnet.publicClient.getChainId()).toBe(31337);
  });

  it('deploys TestUSDC with USDC metadata at the deterministic address', async () => {
    const read = <F extends 'name' | 'symbol' | 'version' | 'decimals' | 'owner'>(functionName: F) =>
      devnet.publicClient.readContract({ address: devnet.usdc.address, abi: testUsdcAbi, functionName });
    expect(devnet.usdc.address).toBe(DEVNET_USDC_ADDRESS);
    expect(DEVNET_USDC_ADDRESS).toBe('0x5FbDB2315678afecb367f032d93F642f64180aa3');
    expect(await read('name')).toBe('USD Coin');
    expect(await read('symbol')).toBe('USDC');
    expect(await read('version')).toBe('2');
    expect(await read('decimals')).toBe(6);
    expect(await read('owner')).toBe(deployer.address);
    expect(devnet.usdc).toMatchObject({ name: 'USD Coin', version: '2', decimals: 6 });

    const { domain: eip712 } = await devnet.publicClient.getEip712Domain({ address: devnet.usdc.address });
    expect(eip712).toMatchObject({
      name: 'USD Coin',
      version: '2',
      chainId: 31337,
      verifyingContract: devnet.usdc.address,
    });

    const typehash = await devnet.publicClient.readContract({
      address: devnet.usdc.address,
      abi: testUsdcAbi,
      functionName: 'TRANSFER_WITH_AUTHORIZATION_TYPEHASH',
    });
    expect(typehash).toBe('0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267');
  });

  it('uses the well-known anvil keys and funds the buyer with 1000 USDC', async () => {
    for (const account of [deployer, buyer, payTo]) {
      const derived = deriveDevnetAccount(account.index);
      expect(derived.address).toBe(account.address);
      expect(derived.privateKey).toBe(account.privateKey);
      expect(account.account.address).toBe(account.address);
    }
    expect(DEVNET_ACCOUNTS.facilitator).toBe(deployer);
    expect(await devnet.balanceOf(buyer.address)).toBe(1_000n * USDC);
    expect(await devnet.balanceOf(payTo.address)).toBe(0n);
    expect(await devnet.publicClient.getBalance({ address: buyer.address })).toBeGreaterThan(0n);
  });

  it('only lets the owner mint', async () => {
    const outsider = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: buyer.account });
    await expect(
      outsider.writeContract({ address: devnet.usdc.address, abi: testUsdcAbi, functionName: 'mint', args: [buyer.address, 1n] }),
    ).rejects.toThrow(/OwnableUnauthorizedAccount/);
    const target = deriveDevnetAccount(40).address;
    await devnet.mint(target, 5n * USDC);
    expect(await devnet.balanceOf(target)).toBe(5n * USDC);
  });

  it('executes transferWithAuthorization(…, v, r, s)', async () => {
    const before = await Promise.all([devnet.balanceOf(buyer.address), devnet.balanceOf(payTo.address)]);
    const auth = await authorization({ value: 10n * USDC });
    expect(await authorizationState(auth)).toBe(false);

    const receipt = await submitVrs(auth, await signTransfer(buyer, auth));

    expect(receipt.status).toBe('success');
    expect(await devnet.balanceOf(buyer.address)).toBe(before[0] - 10n * USDC);
    expect(await devnet.balanceOf(payTo.address)).toBe(before[1] + 10n * USDC);
    expect(await authorizationState(auth)).toBe(true);
    const used = receipt.logs.filter((log) => getAddress(log.address) === devnet.usdc.address);
    expect(used).toHaveLength(2); // AuthorizationUsed + Transfer
  });

  it('executes transferWithAuthorization(…, bytes signature)', async () => {
    const before = await Promise.all([devnet.balanceOf(buyer.address), devnet.balanceOf(payTo.address)]);
    const auth = await authorization({ value: 3n * USDC });

    const receipt = await submitBytes(auth, await signTransfer(buyer, auth));

    expect(receipt.status).toBe('success');
    expect(await devnet.balanceOf(buyer.address)).toBe(before[0] - 3n * USDC);
    expect(await devnet.balanceOf(payTo.address)).toBe(before[1] + 3n * USDC);
    expect(await authorizationState(auth)).toBe(true);
  });

  it('rejects a replayed authorization', async () => {
    const auth = await authorization({ value: 1n });
    const signature = await signTransfer(buyer, auth);
    await submitBytes(auth, signature);
    await expect(submitBytes(auth, signature)).rejects.toThrow(/EIP3009: authorization is used or canceled/);
    await expect(submitVrs(auth, signature)).rejects.toThrow(/EIP3009: authorization is used or canceled/);
  });

  it('rejects expired and not-yet-valid authorizations', async () => {
    const now = await chainNow();
    const expired = await authorization({ validAfter: 0n, validBefore: now - 1n });
    await expect(submitVrs(expired, await signTransfer(buyer, expired))).rejects.toThrow(
      /EIP3009: authorization is expired/,
    );
    const early = await authorization({ validAfter: now + 3_600n, validBefore: now + 7_200n });
    await expect(submitBytes(early, await signTransfer(buyer, early))).rejects.toThrow(
      /EIP3009: authorization is not yet valid/,
    );
    expect(await authorizationState(expired)).toBe(false);
  });

  it('rejects a signature by someone other than `from`, or over different terms', async () => {
    const auth = await authorization();
    await expect(submitVrs(auth, await signTransfer(payTo, auth))).rejects.toThrow(/EIP3009: invalid signature/);
    const signed = await signTransfer(buyer, auth);
    await expect(submitBytes({ ...auth, value: auth.value + 1n }, signed)).rejects.toThrow(
      /EIP3009: invalid signature/,
    );
    expect(await authorizationState(auth)).toBe(false);
  });

  it('reports an insufficient balance with a readable reason', async () => {
    const auth = await authorization({ value: 1_000_000n * USDC });
    await expect(submitBytes(auth, await signTransfer(buyer, auth))).rejects.toThrow(
      /transfer amount exceeds balance/,
    );
  });

  it('receiveWithAuthorization must be called by the payee', async () => {
    const auth = await authorization({ value: 2n * USDC });
    const signature = await buyer.account.signTypedData({
      domain: domain(),
      types: receiveTypes,
      primaryType: 'ReceiveWithAuthorization',
      message: auth,
    });
    const call = { address: devnet.usdc.address, abi: testUsdcAbi, functionName: 'receiveWithAuthorization' } as const;
    await expect(devnet.walletClient.writeContract({ ...call, args: [...authArgs(auth), signature] })).rejects.toThrow(
      /caller must be the payee/,
    );

    const before = await devnet.balanceOf(payTo.address);
    const payee = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: payTo.account });
    const hash = await payee.writeContract({ ...call, args: [...authArgs(auth), signature] });
    expect((await devnet.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
    expect(await devnet.balanceOf(payTo.address)).toBe(before + 2n * USDC);
  });

  it('cancelAuthorization burns the nonce', async () => {
    const auth = await authorization();
    const cancel = await buyer.account.signTypedData({
      domain: domain(),
      types: { CancelAuthorization: [{ name: 'authorizer', type: 'address' }, { name: 'nonce', type: 'bytes32' }] },
      primaryType: 'CancelAuthorization',
      message: { authorizer: buyer.address, nonce: auth.nonce },
    });
    const hash = await devnet.walletClient.writeContract({
      address: devnet.usdc.address,
      abi: testUsdcAbi,
      functionName: 'cancelAuthorization',
      args: [buyer.address, auth.nonce, cancel],
    });
    await devnet.publicClient.waitForTransactionReceipt({ hash });
    expect(await authorizationState(auth)).toBe(true);
    await expect(submitBytes(auth, await signTransfer(buyer, auth))).rejects.toThrow(/authorization is used or canceled/);
  });

  it('supports EIP-2612 permit with the same domain', async () => {
    const spender = deployer.address;
    const read = { address: devnet.usdc.address, abi: testUsdcAbi } as const;
    const nonce = await devnet.publicClient.readContract({ ...read, functionName: 'nonces', args: [buyer.address] });
    const deadline = (await chainNow()) + 600n;
    const value = 7n * USDC;
    const signature = await buyer.account.signTypedData({
      domain: domain(),
      types: permitTypes,
      primaryType: 'Permit',
      message: { owner: buyer.address, spender, value, nonce, deadline },
    });
    const { r, s, v } = parseSignature(signature);

    const hash = await devnet.walletClient.writeContract({
      ...read,
      functionName: 'permit',
      args: [buyer.address, spender, value, deadline, Number(v), r, s],
    });
    await devnet.publicClient.waitForTransactionReceipt({ hash });

    expect(await devnet.publicClient.readContract({ ...read, functionName: 'allowance', args: [buyer.address, spender] })).toBe(value);
    expect(await devnet.publicClient.readContract({ ...read, functionName: 'nonces', args: [buyer.address] })).toBe(nonce + 1n);
    // The same signature cannot be used twice (the nonce moved on).
    await expect(
      devnet.walletClient.writeContract({ ...read, functionName: 'permit', args: [buyer.address, spender, value, deadline, Number(v), r, s] }),
    ).rejects.toThrow(/EIP2612: invalid signature/);

    const payToBefore = await devnet.balanceOf(payTo.address);
    const pull = await devnet.walletClient.writeContract({ ...read, functionName: 'transferFrom', args: [buyer.address, payTo.address, value] });
    await devnet.publicClient.waitForTransactionReceipt({ hash: pull });
    expect(await devnet.balanceOf(payTo.address)).toBe(payToBefore + value);
  });

  it('serves Multicall3 at the canonical address (viem multicall / aggregate3)', async () => {
    expect(devnet.multicall3).toBe(MULTICALL3_ADDRESS);
    expect(await devnet.publicClient.getCode({ address: MULTICALL3_ADDRESS })).toBe(loadArtifacts().Multicall3.deployedBytecode);

    const [buyerBalance, payToBalance] = await devnet.publicClient.multicall({
      allowFailure: false,
      contracts: [
        { address: devnet.usdc.address, abi: testUsdcAbi, functionName: 'balanceOf', args: [buyer.address] },
        { address: devnet.usdc.address, abi: testUsdcAbi, functionName: 'balanceOf', args: [payTo.address] },
      ],
    });
    expect(buyerBalance).toBe(await devnet.balanceOf(buyer.address));
    expect(payToBalance).toBe(await devnet.balanceOf(payTo.address));

    const mc = { address: MULTICALL3_ADDRESS, abi: multicall3Abi } as const;
    expect(await devnet.publicClient.readContract({ ...mc, functionName: 'getChainId' })).toBe(31337n);
    expect(await devnet.publicClient.readContract({ ...mc, functionName: 'getBlockNumber' })).toBe(
      await devnet.publicClient.getBlockNumber(),
    );
    expect(await devnet.publicClient.readContract({ ...mc, functionName: 'getEthBalance', args: [payTo.address] })).toBe(
      await devnet.publicClient.getBalance({ address: payTo.address }),
    );

    // tryAggregate (what the x402 facilitator uses) reports a failing call instead of reverting…
    // (payable functions, so they go through simulateContract, i.e. eth_call)
    const failing = { target: devnet.usdc.address, callData: '0xdeadbeef' as Hex };
    const passing = {
      target: devnet.usdc.address,
      callData: encodeFunctionData({ abi: testUsdcAbi, functionName: 'balanceOf', args: [buyer.address] }),
    };
    const { result } = await devnet.publicClient.simulateContract({
      ...mc,
      functionName: 'tryAggregate',
      args: [false, [passing, failing]],
    });
    expect(result).toEqual([
      { success: true, returnData: encodeAbiParameters([{ type: 'uint256' }], [await devnet.balanceOf(buyer.address)]) },
      { success: false, returnData: '0x' },
    ]);
    // …while a required failure reverts the batch.
    await expect(
      devnet.publicClient.simulateContract({
        ...mc,
        functionName: 'aggregate3',
        args: [[{ target: failing.target, allowFailure: false, callData: failing.callData }]],
      }),
    ).rejects.toThrow(/Multicall3: call failed/);
  });

  it('mines and moves time on demand', async () => {
    const block = await devnet.publicClient.getBlockNumber();
    await devnet.mine(3);
    expect(await devnet.publicClient.getBlockNumber()).toBe(block + 3n);
    const before = await chainNow();
    await devnet.increaseTime(3_600);
    expect(await chainNow()).toBeGreaterThanOrEqual(before + 3_600n);
  });
});

describe('startDevnet options and lifecycle', () => {
  it('funds extra buyers on a custom chain id and token identity', async () => {
    const devnet = await startDevnet({ chainId: 84532, buyers: 3, buyerBalance: 25n * USDC, tokenVersion: '1', tokenName: 'USDC' });
    try {
      expect(devnet.network).toBe('eip155:84532');
      expect(await devnet.publicClient.getChainId()).toBe(84532);
      expect(devnet.accounts.buyers.map((b) => b.index)).toEqual([3, 4, 5]);
      expect(devnet.accounts.buyers[0].address).toBe('0x90F79bf6EB2c4f870365E785982E1f101E93b906');
      expect(devnet.accounts.buyers).toEqual(deriveBuyerAccounts(3));
      for (const b of [devnet.accounts.buyer, ...devnet.accounts.buyers]) {
        expect(await devnet.balanceOf(b.address)).toBe(25n * USDC);
        expect(await devnet.publicClient.getBalance({ address: b.address })).toBeGreaterThan(0n);
      }
      expect(await devnet.balanceOf(deriveDevnetAccount(6).address)).toBe(0n);
      const { domain } = await devnet.publicClient.getEip712Domain({ address: devnet.usdc.address });
      expect(domain).toMatchObject({ name: 'USDC', version: '1', chainId: 84532 });
    } finally {
      await devnet.stop();
    }
  });

  it('works with interval mining', async () => {
    const devnet = await startDevnet({ blockTime: 1 });
    try {
      expect(devnet.startupMs).toBeLessThan(5_000); // setup mines on demand instead of waiting for blocks
      expect(await devnet.balanceOf(buyer.address)).toBe(1_000n * USDC);
      expect(await devnet.testClient.getAutomine()).toBe(false);
    } finally {
      await devnet.stop();
    }
  });

  it('stop() kills anvil and is idempotent', async () => {
    const devnet = await startDevnet();
    const { pid, rpcUrl } = devnet;
    expect(() => process.kill(pid, 0)).not.toThrow();
    await devnet.stop();
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    await expect(fetch(rpcUrl, { method: 'POST', body: '{}' })).rejects.toThrow();
    await expect(devnet.stop()).resolves.toBeUndefined();
  });

  it('fails with anvil output when it cannot start', async () => {
    const first = await startDevnet();
    try {
      const port = Number(new URL(first.rpcUrl).port);
      await expect(startDevnet({ port })).rejects.toThrow(/anvil exited[\s\S]*(address already in use|Address in use|in use)/i);
    } finally {
      await first.stop();
    }
  });
});
