import { defineConfig } from "vitest/config";

// The default suite (`npm test`): unit tests under mocks, the real server on the real model,
// and the observability checks. The heavier engine/control-plane suites have their own configs.
export default defineConfig({
  test: {
    include: [
      "test/unit/**/*.test.ts",
      "test/bench/**/*.test.ts",
      "test/inference/**/*.test.ts",
      "test/observability/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
