import { defineConfig } from "vitest/config";

// `npm run test:epp`: the real endpoint picker (cmd/epp of the Inference Extension) and a real gateway in front
// of real servers, inside a network namespace of its own (scripts/gateway/netns.sh; the suite refuses to run
// outside one). Needs Go tools built first, which the npm script does before entering the namespace.
export default defineConfig({
  test: {
    include: ["test/gateway-real/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 900_000,
    pool: "forks",
  },
});
