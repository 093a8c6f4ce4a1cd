#!/usr/bin/env node
// The `x402` command. The implementation lives in src/ and is compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('x402: not built yet: run `npm run build` (or `npm start`, which builds) first.');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
