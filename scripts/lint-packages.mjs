// Packs each workspace package as npm publishes it (already built: `npm run build`) and lints the tarball
// with publint (package.json, exports, files) and @arethetypeswrong/cli (types for every entry point, under
// node10, node16 CommonJS and ESM, and bundler resolution). Exits non-zero on any finding.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PACKAGES = ['libs/x402', 'libs/devnet'];
const bin = (name) => join(process.cwd(), 'node_modules', '.bin', name);
const out = mkdtempSync(join(tmpdir(), 'x402-lint-'));
let failed = false;
try {
  for (const folder of PACKAGES) {
    const json = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], { cwd: folder, encoding: 'utf8' });
    const [{ filename, unpackedSize, entryCount }] = JSON.parse(json.slice(json.indexOf('[')));
    const tarball = join(out, filename);
    console.log(`${filename}: ${entryCount} files, ${(unpackedSize / 1024).toFixed(0)} KiB unpacked`);
    for (const [tool, args] of [
      ['publint', ['run', tarball, '--strict']],
      ['attw', [tarball, '--exclude-entrypoints', 'package.json', '--format', 'ascii']],
    ]) {
      try {
        console.log(execFileSync(bin(tool), args, { encoding: 'utf8' }).trim());
      } catch (error) {
        failed = true;
        console.error(`${tool} found problems in ${filename}:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      }
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
