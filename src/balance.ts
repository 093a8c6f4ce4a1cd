import { createPublicClient, erc20Abi, getAddress, http } from 'viem';

/** Reads an ERC-20 balance (`balanceOf(owner)`) through a JSON-RPC endpoint. */
export type BalanceReader = (rpcUrl: string, asset: string, owner: string) => Promise<bigint>;

export const readTokenBalance: BalanceReader = async (rpcUrl, asset, owner) => {
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 10_000 }) });
  return client.readContract({
    address: getAddress(asset),
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [getAddress(owner)],
  });
};

/** A balance read that never throws: the reason is returned instead, since balances are informational. */
export async function tryReadBalance(
  read: BalanceReader,
  rpcUrl: string,
  asset: string,
  owner: string,
): Promise<{ value?: bigint; error?: string }> {
  try {
    return { value: await read(rpcUrl, asset, owner) };
  } catch (error) {
    const message = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
    return { error: `balance read via ${rpcUrl} failed: ${message.split('\n')[0]}` };
  }
}
