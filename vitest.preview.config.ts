import { defineConfig } from "vitest/config";

// `npm run preview`: the real Pulumi CLI and Node.js language host (built by scripts/tools/build.sh) preview and
// render every stack, and the tests check what they produced. scripts/preview.sh puts the tools on PATH first.
export default defineConfig({
  test: {
    include: ["test/preview/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 1_200_000,
    pool: "forks",
  },
});
