import { defineConfig } from "vitest/config";

/**
 * Five tiers, each its own project: unit (no I/O), integration (real local services started once by
 * test/support/global-setup.ts), resilience (faults, fuzzing and log hygiene against the same services),
 * e2e (local mode over HTTP, and the dev console in a browser) and infra (CDK assertions and cdk-nag).
 * `npm test` runs all five.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          env: { POWERTOOLS_LOG_LEVEL: "SILENT" },
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          setupFiles: ["test/support/aws-env.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // Faults (storage outage, Meta outage, crashes), fuzzing and log hygiene against real local services.
          name: "resilience",
          include: ["test/resilience/**/*.test.ts"],
          // One file at a time: the 100,000-message erasure and the 2,200-delivery fuzz share one DynamoDB Local;
          // side by side on two cores each slowed the other past its timeout.
          fileParallelism: false,
          globalSetup: ["test/support/global-setup.ts"],
          setupFiles: ["test/support/aws-env.ts"],
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // Local mode as a user runs it (`npm run dev` in a child process), driven over HTTP and in headless Chromium.
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 150_000,
        },
      },
      {
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
