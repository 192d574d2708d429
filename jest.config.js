// Two projects: unit tests need nothing but Node and run in parallel workers; integration
// tests need the real Docker Engine (and auditd, Prometheus) that scripts/provision.sh
// starts, share them, and run one file at a time. `npm test` (scripts/test.sh) runs the
// unit project with every worker, then the integration project with --runInBand: jest's
// maxWorkers is one setting for a whole run, so the two go in two runs.
// isolatedModules (tsconfig.json): ts-jest transpiles each file alone; `npm run build`
// type-checks everything (src, tests, benchmarks, scripts, dashboards) before the tests.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }];
/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
  ],
};
