import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

/**
 * The package's public surface, read from its package.json `exports` and the sources behind them:
 * every export is documented, and each entry point loads only the optional peers it is for.
 */
const PACKAGE_DIR = resolve('libs/x402');
const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { exports: Record<string, { import?: { default: string } } | string> };

/** `./typeorm` -> libs/x402/src/ledger/typeorm/index.ts (dist/esm mirrors src). */
const ENTRIES: Record<string, string> = Object.fromEntries(
  Object.entries(pkg.exports)
    .filter(([, target]) => typeof target === 'object')
    .map(([key, target]) => [key, join(PACKAGE_DIR, (target as { import: { default: string } }).import.default.replace('./dist/esm/', 'src/').replace(/\.js$/, '.ts'))]),
);

const OPTIONAL_PEERS = ['typeorm', '@nestjs/typeorm', '@nestjs/swagger', '@nestjs/terminus', 'prom-client', 'pg', '@modelcontextprotocol/sdk'];
/** Which optional peers each entry point may load (the others must load none; `/openapi` uses Swagger's types only). */
const ALLOWED_PEERS: Record<string, string[]> = {
  './typeorm': ['typeorm'],
  './health': ['@nestjs/terminus'],
  './metrics': ['prom-client'],
  './mcp': ['@modelcontextprotocol/sdk'],
};

/** Bare module names a file loads at run time, following relative imports (type-only imports are erased). */
function runtimeImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const specifiers: string[] = [];
    for (const statement of source.statements) {
      if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly) {
        const named = statement.importClause?.namedBindings;
        const allTypes = !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly) && !statement.importClause?.name;
        if (!allTypes) specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
      } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
        const named = statement.exportClause;
        const allTypes = !!named && ts.isNamedExports(named) && named.elements.every((e) => e.isTypeOnly);
        if (!allTypes) specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
      }
    }
    source.forEachChild(function dynamic(node): void {
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0])) specifiers.push(node.arguments[0].text);
      node.forEachChild(dynamic);
    });
    for (const specifier of specifiers) {
      if (!specifier.startsWith('.')) {
        external.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
        continue;
      }
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      visit(existsSync(target) ? target : join(target.replace(/\.ts$/, ''), 'index.ts'));
    }
  };
  visit(entry);
  return external;
}

describe('public API of @nestjs-x402/core', () => {
  const program = ts.createProgram(Object.values(ENTRIES), {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    experimentalDecorators: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();

  it('has the entry points the README documents', () => {
    expect(Object.keys(ENTRIES).sort()).toEqual(['.', './discovery', './health', './local-facilitator', './logging', './mcp', './metrics', './openapi', './proofs', './typeorm', './webhooks']);
  });

  it.each(Object.keys(ENTRIES))('documents every export of "%s" with a TSDoc comment', (entry) => {
    const source = program.getSourceFile(ENTRIES[entry])!;
    const moduleSymbol = checker.getSymbolAtLocation(source)!;
    const exports = checker.getExportsOfModule(moduleSymbol);
    expect(exports.length).toBeGreaterThan(0);
    const undocumented = exports
      .filter((symbol) => {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        return target.getDocumentationComment(checker).length === 0;
      })
      .map((symbol) => symbol.name);
    expect(undocumented).toEqual([]);
  });

  it.each(Object.keys(ENTRIES))('"%s" loads no optional peer but its own', (entry) => {
    const loaded = [...runtimeImports(ENTRIES[entry])].filter((name) => OPTIONAL_PEERS.includes(name));
    expect(loaded.sort()).toEqual([...(ALLOWED_PEERS[entry] ?? [])].sort());
  });

  it('keeps internals out of the root entry', () => {
    const root = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(ENTRIES['.'])!)!).map((s) => s.name);
    for (const internal of ['SubmissionQueue', 'RoutePricingService', 'decodePaymentHeader', 'X402SettlementService', 'X402OutboxWorker', 'ChallengeCache', 'TypeOrmPaymentStore', 'LocalFacilitatorClient']) {
      expect(root).not.toContain(internal);
    }
  });
});
