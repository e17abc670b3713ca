import { defineConfig } from "vitest/config";

// The default suite (`npm test`): unit tests under mocks, the real server on the real model, the
// observability checks and the chart checks (values against the pinned charts, no Helm). The heavier
// engine/control-plane/Helm-render/image suites have their own configs.
export default defineConfig({
  test: {
    include: [
      "test/unit/**/*.test.ts",
      "test/bench/**/*.test.ts",
      "test/inference/**/*.test.ts",
      "test/observability/**/*.test.ts",
      "test/consumer/**/*.test.ts",
      "test/charts/**/*.test.ts",
    ],
    // Needs Helm (scripts/tools/build.sh): `npm run test:charts-render`.
    exclude: ["**/node_modules/**", "test/charts/**/*.render.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
