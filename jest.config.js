// ESM all the way: @kubernetes/client-node >= 1 and openid-client 6 ship ES modules only.
// ts-jest transpiles each file on its own (isolatedModules); `npm run lint` type-checks.
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  roots: ['<rootDir>/src', '<rootDir>/agent', '<rootDir>/test', '<rootDir>/rules', '<rootDir>/dashboards', '<rootDir>/deploy', '<rootDir>/sim'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/plain-summary-reporter.cjs'],
};
