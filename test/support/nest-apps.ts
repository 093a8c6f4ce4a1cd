import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { start, type Child } from './processes.js';

/** The repository root (the tests run from it). */
const ROOT = process.cwd();

/** Runs a command in a folder; rejects with its output when it exits non-zero. */
export function sh(cwd: string, command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env, FORCE_COLOR: '0', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) exited with ${code}:\n${out.slice(-4000)}`))));
  });
}

/** The packed tarballs of the two workspace packages, as `npm pack` makes them (prepack builds). */
export interface Tarballs {
  core: string;
  testing: string;
}

export async function packLibraries(destination: string): Promise<Tarballs> {
  const pack = async (folder: string) => {
    const out = await sh(join(ROOT, folder), 'npm', ['pack', '--json', '--pack-destination', destination]);
    const [{ filename }] = JSON.parse(out.slice(out.indexOf('[\n'))) as { filename: string }[];
    return join(destination, filename);
  };
  return { core: await pack('libs/x402'), testing: await pack('libs/devnet') };
}

/** Files in an unpacked tarball (paths under `package/`). */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const out = await sh(ROOT, 'tar', ['-tzf', tarball]);
  return out.split('\n').filter(Boolean);
}

/** How one kind of generated app is made, changed as the package README says, built and started. */
export interface AppRecipe {
  /** Major version of `@nestjs/cli` that generates it. */
  nest: 11 | 12;
  adapter: 'express' | 'fastify';
  /** Packages the app adds besides the two tarballs. */
  extraPackages: string[];
  /** The TypeORM ledger on PostgreSQL (else the in-memory store). */
  ledger: boolean;
}

/** `nest new` of that major, without git; dependencies installed afterwards, with the tarballs, in one `npm install`. */
export async function generateApp(parent: string, name: string, recipe: AppRecipe, tarballs: Tarballs): Promise<string> {
  await sh(parent, 'npx', ['-y', `@nestjs/cli@${recipe.nest}`, 'new', name, '--skip-git', '--skip-install', '--package-manager', 'npm']);
  const dir = join(parent, name);
  await sh(dir, 'npm', ['install', '--no-audit', '--no-fund', tarballs.core, tarballs.testing, ...recipe.extraPackages]);
  return dir;
}

/** Replaces `from` in a generated file, failing loudly if the template changed. */
async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}; the Nest template changed`);
  await writeFile(file, text.replace(from, to));
}

const OPTIONS = `networks: [process.env.X402_NETWORK!],
        assets: { [process.env.X402_NETWORK!]: { address: process.env.X402_ASSET!, name: 'USD Coin', version: '2', decimals: 6 } },
        payTo: process.env.X402_PAY_TO!,
        facilitator: { type: 'remote', url: process.env.X402_FACILITATOR_URL! },
        settlement: { rpcUrls: { [process.env.X402_NETWORK!]: process.env.X402_RPC_URL! } },`;

/**
 * The three steps of the package README in a generated app: import the module in `AppModule` (with the
 * TypeORM ledger when the recipe asks for it), put `@Priced('0.01')` on the generated route, and (Fastify)
 * the adapter in `main.ts`. The network, token and facilitator come from the environment (here the devnet's).
 */
export async function applyQuickStart(dir: string, recipe: AppRecipe): Promise<void> {
  const ext = recipe.nest === 12 ? '.js' : '';
  await edit(join(dir, 'src/app.controller.ts'), `import { Controller, Get } from '@nestjs/common';\n`, `import { Controller, Get } from '@nestjs/common';\nimport { Priced } from '@nestjs-x402/core';\n`);
  await edit(join(dir, 'src/app.controller.ts'), `  @Get()\n`, `  @Get()\n  @Priced('0.01')\n`);
  const module = join(dir, 'src/app.module.ts');
  if (recipe.ledger) {
    await edit(
      module,
      `import { Module } from '@nestjs/common';\n`,
      `import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { X402Module } from '@nestjs-x402/core';
import { TypeOrmPaymentStore, X402_ENTITIES, X402_MIGRATIONS } from '@nestjs-x402/core/typeorm';
`,
    );
    await edit(
      module,
      `  imports: [],`,
      `  imports: [
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: process.env.DATABASE_URL,
      entities: X402_ENTITIES,
      migrations: X402_MIGRATIONS,
      migrationsRun: true,
      uuidExtension: 'pgcrypto',
    }),
    X402Module.forRootAsync({
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => ({
        ${OPTIONS}
        store: new TypeOrmPaymentStore(dataSource),
      }),
    }),
  ],`,
    );
  } else {
    await edit(module, `import { Module } from '@nestjs/common';\n`, `import { Module } from '@nestjs/common';\nimport { X402Module } from '@nestjs-x402/core';\n`);
    await edit(module, `  imports: [],`, `  imports: [\n    X402Module.forRoot({\n      ${OPTIONS.replace(/\n {8}/g, '\n      ')}\n    }),\n  ],`);
  }
  if (recipe.adapter === 'fastify') {
    await writeFile(
      join(dir, 'src/main.ts'),
      `import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module${ext}';

async function bootstrap() {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter());
  await app.listen(process.env.PORT ?? 3000, '127.0.0.1');
}
${recipe.nest === 12 ? 'await bootstrap();' : 'void bootstrap();'}
`,
    );
  }
}

/** The built entry (`nest build` writes `dist/main.js`, or `dist/src/main.js` when `rootDir` is the project). */
export async function builtMain(dir: string): Promise<string> {
  for (const candidate of ['dist/main.js', 'dist/src/main.js']) if (existsSync(join(dir, candidate))) return join(dir, candidate);
  throw new Error(`no built main.js under ${dir}/dist: ${(await readdir(join(dir, 'dist'))).join(', ')}`);
}

/** Starts the built app with `node`, as `npm run start:prod` does. */
export async function startBuiltApp(dir: string, env: Record<string, string>): Promise<Child> {
  return start(process.execPath, [await builtMain(dir)], env);
}

/** Resolves once `url` answers HTTP at all (Nest logs "started" before Fastify has bound its port). */
export async function waitUntilAnswering(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { method: 'OPTIONS' });
      return;
    } catch (error) {
      const exited = await Promise.race([child.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 100))]);
      if (exited || Date.now() > deadline) throw new Error(`${url} never answered: ${(error as Error).message}\n${child.output()}`);
    }
  }
}

/**
 * The app's own e2e test, written as the testing guide shows: `startX402Testbed()` from
 * `@nestjs-x402/testing`, the app's module with the testbed's options, a paid request with the official
 * client, the merchant's balance. Replaces the generated `test/app.e2e-spec.ts` (whose `GET /` is now paid).
 */
export async function writeOwnPaidTest(dir: string, recipe: AppRecipe): Promise<void> {
  const esm = recipe.nest === 12;
  await writeFile(
    join(dir, 'test/app.e2e-spec.ts'),
    `import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { startX402Testbed, type X402Testbed } from '@nestjs-x402/testing';
${esm ? '' : "import { AppModule } from './../src/app.module';\n"}
describe('GET / is paid (x402 on a local chain)', () => {
  let testbed: X402Testbed;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    testbed = await startX402Testbed();
    process.env.X402_NETWORK = testbed.network;
    process.env.X402_ASSET = testbed.devnet.usdc.address;
    process.env.X402_PAY_TO = testbed.payTo;
    process.env.X402_FACILITATOR_URL = testbed.facilitator.url;
    process.env.X402_RPC_URL = testbed.devnet.rpcUrl;
${esm ? "    const { AppModule } = await import('./../src/app.module.js');\n" : ''}    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await testbed?.stop();
  });

  it('answers 402 without a payment, then serves the paid request and moves $0.01', async () => {
    expect((await fetch(url)).status).toBe(402);
    const res = await testbed.fetchWithPayment(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Hello World!');
    expect(res.headers.get('payment-response')).toBeTruthy();
    expect(await testbed.balanceOf(testbed.payTo)).toBe(10_000n);
  });
});
`,
  );
}
