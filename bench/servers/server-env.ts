/** What the bench tells a server process about the devnet (JSON in `BENCH_DEVNET`). */
export interface BenchDevnet {
  rpcUrl: string;
  chainId: number;
  usdc: { address: `0x${string}`; name: string; version: string; decimals: number };
  payTo: `0x${string}`;
  /** Gas key of the server's facilitator: one of its own per server process, funded with ETH on the devnet. */
  facilitatorPrivateKey: `0x${string}`;
}

/** The route and price every server under test offers: the demo's forecast, $0.01. */
export const PAID_PATH = '/weather/forecast/lisbon';
export const FREE_PATH = '/weather/cities';
export const PRICE_ATOMIC = '10000';
export const MAX_TIMEOUT_SECONDS = 300;

export function readDevnet(): BenchDevnet {
  const text = process.env.BENCH_DEVNET;
  if (!text) throw new Error('BENCH_DEVNET is not set: this process is started by bench/run.ts');
  return JSON.parse(text) as BenchDevnet;
}

/** Tells the parent the port, and closes cleanly on SIGTERM (so `--cpu-prof` writes its profile). */
export function announce(port: number, close: () => Promise<void>): void {
  console.log(`READY ${port}`);
  const stop = () => {
    const timer = setTimeout(() => process.exit(0), 10_000);
    close()
      .catch((error: Error) => console.error(`close failed: ${error.message}`))
      .finally(() => {
        clearTimeout(timer);
        process.exit(0);
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
