import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createDemoApp } from './app.factory.js';
import { shutdownHandler } from './shutdown.js';
import { DemoConfigError, loadDemoConfig, type DemoConfig } from './demo.config.js';
import { toX402Options, type DevnetFacts } from './x402-options.js';

const log = (line: string) => console.log(line);

async function startEmbeddedDevnet(): Promise<DevnetFacts & { buyer: string; stop(): Promise<void> }> {
  const { startDevnet } = await import('@nestjs-x402/testing');
  const devnet = await startDevnet({ port: Number(process.env.DEVNET_PORT ?? 8545) });
  return {
    rpcUrl: devnet.rpcUrl,
    network: devnet.network,
    usdc: devnet.usdc,
    payTo: devnet.accounts.payTo.address,
    facilitatorPrivateKey: devnet.accounts.deployer.privateKey,
    buyer: devnet.accounts.buyer.address,
    stop: () => devnet.stop(),
  };
}

async function main(): Promise<void> {
  let config: DemoConfig;
  try {
    config = loadDemoConfig(process.env);
  } catch (error) {
    if (error instanceof DemoConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const devnet = config.embeddedDevnet ? await startEmbeddedDevnet() : undefined;
  const adminToken = config.adminToken ?? randomBytes(18).toString('base64url');
  const app = await createDemoApp(toX402Options(config, devnet), {
    adminToken,
    database: { url: config.databaseUrl, poolSize: config.databasePoolSize, dataDir: config.dataDir },
    webhooks: config.webhook ? [{ id: 'X402_WEBHOOK_URL', ...config.webhook }] : [],
  });
  await app.listen(config.port);
  const url = `http://localhost:${config.port}`;
  log(`x402 demo API on ${url} (Swagger UI: ${url}/docs)`);
  log(config.databaseUrl ? 'ledger: PostgreSQL (DATABASE_URL)' : `ledger: embedded PGlite in ${config.dataDir}`);
  if (config.webhook) log(`webhooks: payment events to ${new URL(config.webhook.url).origin}${new URL(config.webhook.url).pathname}   (GET ${url}/admin/webhooks)`);
  if (devnet) {
    log(`embedded devnet ${devnet.network} at ${devnet.rpcUrl}; test USDC ${devnet.usdc.address}`);
    log(`demo buyer ${devnet.buyer} holds test USDC; merchant (payTo) ${devnet.payTo}`);
  }
  if (!config.adminToken) log(`admin: curl -H 'Authorization: Bearer ${adminToken}' ${url}/admin/receipts   (token generated for this run; set X402_ADMIN_TOKEN to fix it)`);
  // The fragment never reaches the server; the page keeps the token for its tab (sessionStorage).
  log(`dashboard: ${url}/admin/dashboard${config.adminToken ? '   (asks for X402_ADMIN_TOKEN)' : `#token=${adminToken}`}   metrics: ${url}/metrics (bearer token)`);
  log(`try: curl -i ${url}/weather/forecast/lisbon   (402 with the price)`);
  log(`pay: npx x402 pay ${url}/weather/forecast/lisbon`);
  const stop = shutdownHandler({
    close: () => app.close(),
    stopDevnet: devnet ? () => devnet.stop() : undefined,
    exit: (code) => process.exit(code),
    error: (line) => console.error(line),
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
