/** Jest runs TypeScript through @swc/jest as native ES modules (NestJS 12 is ESM-only). */
const swc = {
  swcrc: false,
  sourceMaps: 'inline',
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
  module: { type: 'es6' },
};

// ESM-only packages that a CommonJS dependency require()s (Node 20 can, Jest's loader cannot): compiled
// to CommonJS. content-disposition 3 comes with @fastify/static, which Swagger UI needs on Fastify.
const ESM_REQUIRED_FROM_CJS = ['content-disposition'];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    [`/node_modules/(${ESM_REQUIRED_FROM_CJS.join('|')})/.+\\.js$`]: ['@swc/jest', { swcrc: false, jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`^(?!.*/node_modules/(${ESM_REQUIRED_FROM_CJS.join('|')})/).*/node_modules/`],
  // The workspace packages by name, from their sources (the demo process and the packed-app test use the builds).
  moduleNameMapper: {
    '^@nestjs-x402/core$': '<rootDir>/libs/x402/src/index.ts',
    '^@nestjs-x402/core/typeorm$': '<rootDir>/libs/x402/src/ledger/typeorm/index.ts',
    '^@nestjs-x402/core/openapi$': '<rootDir>/libs/x402/src/openapi/index.ts',
    '^@nestjs-x402/core/discovery$': '<rootDir>/libs/x402/src/discovery/index.ts',
    '^@nestjs-x402/core/health$': '<rootDir>/libs/x402/src/health/index.ts',
    '^@nestjs-x402/core/metrics$': '<rootDir>/libs/x402/src/metrics/index.ts',
    '^@nestjs-x402/core/logging$': '<rootDir>/libs/x402/src/logging/index.ts',
    '^@nestjs-x402/core/proofs$': '<rootDir>/libs/x402/src/proofs/index.ts',
    '^@nestjs-x402/core/local-facilitator$': '<rootDir>/libs/x402/src/facilitator/index.ts',
    '^@nestjs-x402/core/mcp$': '<rootDir>/libs/x402/src/mcp/index.ts',
    '^@nestjs-x402/core/webhooks$': '<rootDir>/libs/x402/src/webhooks/index.ts',
    '^@nestjs-x402/testing$': '<rootDir>/libs/devnet/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};

export default {
  // Per test, for the e2e suites that start chains and processes (a project-level testTimeout is ignored).
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testPathIgnorePatterns: ['/node_modules/', '/dist/'], testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], testTimeout: 120000 },
  ],
};
