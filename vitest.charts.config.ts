import { defineConfig } from "vitest/config";

// The chart renders with real Helm (`npm run test:charts-render`, after scripts/tools/build.sh helm); the value
// checks need no Helm and run in `npm test`.
export default defineConfig({
  test: {
    include: ["test/charts/**/*.render.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 1_200_000,
    pool: "forks",
  },
});
