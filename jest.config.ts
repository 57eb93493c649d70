import type { Config } from 'jest';

// Three tiers, one command (npm test). Unit tests are pure; integration and e2e talk to real PG/NATS/S3.
// ts-jest in isolated mode: transpiles each file alone (fast); `npm run typecheck` does the type checking.
const transform: Config['transform'] = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  // content-disposition 3 (under @fastify/static, which serves the Swagger UI) ships ESM only; Node
  // requires it natively, jest's module system cannot, so jest transpiles that one package.
  '/node_modules/@fastify/static/node_modules/content-disposition/.+\\.js$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
};
const transformIgnorePatterns = ['/node_modules/(?!(@fastify/static/node_modules/)?content-disposition/)'];
const moduleNameMapper = { '^@shipyard/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts' };
const common = { rootDir: __dirname, transform, transformIgnorePatterns, moduleNameMapper, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };

const config: Config = {
  reporters: ['default', '<rootDir>/tools/jest-summary-reporter.js'],
  // Generous because e2e tests start processes and wait for real recovery; unit tests finish in ms anyway.
  testTimeout: 180_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,deploy,tools,bench}/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/e2e/**/*.e2e-spec.ts'] },
  ],
};
export default config;
