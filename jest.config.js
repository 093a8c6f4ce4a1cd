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
  moduleNameMapper: {
    '^#x402$': '<rootDir>/libs/x402/src/index.ts',
    '^#x402/health$': '<rootDir>/libs/x402/src/health/index.ts',
    '^#x402/metrics$': '<rootDir>/libs/x402/src/metrics/index.ts',
    '^#devnet$': '<rootDir>/libs/devnet/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};

export default {
  // Per test, for the e2e suites that start chains and processes (a project-level testTimeout is ignored).
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], testTimeout: 120000 },
  ],
};
