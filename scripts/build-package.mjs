// Builds a workspace package (run from its folder): ES modules in dist/esm, CommonJS in dist/cjs (for
// CommonJS apps such as Nest 11's), one set of type declarations for both (tsconfig.build.json).
//   --cli <dir>          also compile a command-line tool's sources into dist/esm/cli
//   --copy <from>:<to>   copy a file into dist (e.g. compiled contract artifacts)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { cli: { type: 'string' }, copy: { type: 'string', multiple: true } } });
const root = process.cwd();
const require = createRequire(join(root, 'package.json'));
const swc = require('@swc/core');

const isSource = (file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !/\.(e2e-)?spec\.ts$/.test(file);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

function compile(fromDir, toDir, moduleType) {
  for (const file of walk(fromDir)) {
    if (!isSource(file)) continue;
    const { code } = swc.transformFileSync(file, {
      swcrc: false,
      sourceMaps: false,
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        keepClassNames: true,
      },
      module: moduleType === 'commonjs' ? { type: 'commonjs', importInterop: 'node' } : { type: 'es6', resolveFully: false },
    });
    const out = join(toDir, relative(fromDir, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
  }
}

function copyDeclarations(fromDir, toDir, skipDir) {
  for (const file of walk(fromDir)) {
    if (!file.endsWith('.d.ts') || (skipDir && file.startsWith(skipDir))) continue;
    const out = join(toDir, relative(fromDir, file));
    mkdirSync(dirname(out), { recursive: true });
    copyFileSync(file, out);
  }
}

const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
compile(join(root, 'src'), join(dist, 'esm'), 'es6');
compile(join(root, 'src'), join(dist, 'cjs'), 'commonjs');
const cliDir = values.cli ? join(dist, 'esm', 'cli') : undefined;
if (values.cli) compile(resolve(root, values.cli), cliDir, 'es6');
// Files under dist/cjs are CommonJS whatever the package's "type" says.
writeFileSync(join(dist, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
copyDeclarations(join(dist, 'esm'), join(dist, 'cjs'), cliDir);
for (const pair of values.copy ?? []) {
  const [from, to] = pair.split(':');
  mkdirSync(dirname(join(dist, to)), { recursive: true });
  copyFileSync(join(root, from), join(dist, to));
}
