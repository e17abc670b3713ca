import { defineConfig } from "vitest/config";

// `npm run test:e2e`: the real control plane (scripts/cluster) started once for the whole suite by the global
// setup, which also stops it afterwards, even when a test fails. Files run one after another against that cluster.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["test/e2e/support/globalSetup.ts"],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 900_000,
    pool: "forks",
  },
});
