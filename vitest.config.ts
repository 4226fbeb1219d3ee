import { defineConfig } from 'vitest/config';

// Three tiers: unit (no network), integration (real Kafka, registry, Redis started by the global
// setup when not running), contract (suites run against every implementation of an interface).
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/support/kafkajs-setup.ts'],
        },
      },
      {
        test: {
          name: 'contract',
          include: ['test/contract/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/support/kafkajs-setup.ts'],
          globalSetup: ['test/support/stack-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/support/kafkajs-setup.ts'],
          globalSetup: ['test/support/stack-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Integration files share one broker on two cores: run them one file at a time so timing
          // noise from a neighbour never turns into a flaky rebalance.
          fileParallelism: false,
        },
      },
      {
        test: {
          // The review console in a real browser (Debian's chromium via playwright-core) against the
          // real stack and worker; the global setup builds the web client.
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          setupFiles: ['test/support/kafkajs-setup.ts'],
          globalSetup: ['test/support/e2e-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
