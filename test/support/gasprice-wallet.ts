import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientEvmSigner } from '@x402/evm';
import type { Abi, Address, Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { Devnet } from '@nestjs-x402/testing';

const require = createRequire(import.meta.url);

/** Compiles `GasPriceWallet.sol` with the `solc` npm package (OpenZeppelin from node_modules), as the devnet compiles its contracts. */
function compile(): { abi: Abi; bytecode: Hex } {
  const solc = require('solc');
  const here = dirname(fileURLToPath(import.meta.url));
  const input = {
    language: 'Solidity',
    sources: { 'GasPriceWallet.sol': { content: readFileSync(join(here, 'contracts', 'GasPriceWallet.sol'), 'utf8') } },
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const findImports = (path: string) => {
    try {
      return { contents: readFileSync(require.resolve(path), 'utf8') };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e: { formattedMessage: string }) => e.formattedMessage).join('\n'));
  const contract = output.contracts['GasPriceWallet.sol'].GasPriceWallet;
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}

/**
 * Deploys a {@link GasPriceWallet} holding `usdc` (atomic units) and returns a client signer for the
 * official x402 client that pays from it: any signature (here a throwaway key's, padded to
 * `signatureBytes`, default 65), which the wallet calls valid wherever the gas price is 0.
 */
export async function deployGasPriceWallet(devnet: Devnet, usdc: bigint, options: { signatureBytes?: number } = {}): Promise<{ address: Address; signer: ClientEvmSigner }> {
  const { abi, bytecode } = compile();
  const hash = await devnet.walletClient.deployContract({ abi, bytecode });
  const { contractAddress } = await devnet.publicClient.waitForTransactionReceipt({ hash });
  const address = contractAddress!;
  await devnet.publicClient.waitForTransactionReceipt({ hash: await devnet.mint(address, usdc) });
  const throwaway = privateKeyToAccount(generatePrivateKey());
  // 65 bytes goes in a Multicall3 batch with v, r, s; a longer one is settled alone with the bytes signature
  const padding = '00'.repeat(Math.max(0, (options.signatureBytes ?? 65) - 65));
  return { address, signer: { address, signTypedData: async (message) => `${await throwaway.signTypedData(message as never)}${padding}` as Hex } };
}

/** Gas the `from` account spent in blocks after `fromBlock`, and its transactions there (mined, with their status). */
export async function gasSpentBy(devnet: Devnet, from: Address, fromBlock: bigint): Promise<{ gas: bigint; transactions: number; reverted: number }> {
  const latest = await devnet.publicClient.getBlockNumber();
  let gas = 0n;
  let transactions = 0;
  let reverted = 0;
  for (let n = fromBlock + 1n; n <= latest; n++) {
    const block = await devnet.publicClient.getBlock({ blockNumber: n, includeTransactions: true });
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() !== from.toLowerCase()) continue;
      const receipt = await devnet.publicClient.getTransactionReceipt({ hash: tx.hash });
      gas += receipt.gasUsed;
      transactions++;
      if (receipt.status === 'reverted') reverted++;
    }
  }
  return { gas, transactions, reverted };
}
