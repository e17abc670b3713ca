import { defineConfig } from "vitest/config";

// `npm run preview`: the real Pulumi engine (built by scripts/tools/build.sh) previews and renders every
// stack, and the tests check what it produced. scripts/preview.sh puts the engine on PATH first.
export default defineConfig({
  test: {
    include: ["test/preview/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 1_200_000,
    pool: "forks",
  },
});
