import { defineConfig } from "vitest/config";

// The chart checks alone (`npx vitest run --config vitest.charts.config.ts`); the default suite runs them too.
export default defineConfig({
  test: {
    include: ["test/charts/**/*.test.ts"],
    exclude: ["test/charts/**/*.render.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
