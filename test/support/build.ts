import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Builds what a suite that starts the demo as its own process runs: the demo (a few seconds of swc), and the
 * workspace packages when they have no build yet. `npm test` builds everything before any suite runs; after a
 * change to a library, run `npm run build` before such a suite alone.
 */
export function buildDemo(): void {
  if (!existsSync('libs/x402/dist/esm/index.js') || !existsSync('libs/devnet/dist/esm/index.js')) execSync('npm run build --workspaces --silent', { stdio: 'ignore' });
  execSync('npm run build:apps --silent', { stdio: 'ignore' });
}
