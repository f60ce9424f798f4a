/**
 * The fault-injection suite (`npm run test:faults`): a bulk run on worker processes while a worker is
 * killed and Redis and Postgres are restarted. Kept out of `npm test` because it owns and restarts its
 * own private servers and takes minutes; .ci/run runs it after the test command.
 */
const tsJest = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

module.exports = {
  displayName: 'faults',
  testEnvironment: 'node',
  transform: tsJest,
  testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
  testTimeout: 600_000,
};
