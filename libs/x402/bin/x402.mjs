#!/usr/bin/env node
// The `x402` command: pay a URL, show a route's price, run the ledger migrations (`x402 --help`).
const { main } = await import('../dist/esm/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
