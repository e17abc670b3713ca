import { defineConfig } from "vitest/config";

// `npm run test:image`: the inference image (scripts/image/build.sh) run the way the Deployment runs it.
// Needs a Docker daemon; .ci/run installs and starts one.
export default defineConfig({
  test: {
    include: ["test/image/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
