// THREADS in the InferenceService's server environment follows the container's CPU limit, so llama.cpp never runs
// more spinning threads than the pod's CPU quota lets run.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../inference/src/config.js";
import { defaultThreads } from "../../../inference/src/engine/threads.js";
import { ENVIRONMENTS } from "../../../infra/environment.js";
import { resolveInferenceConfig } from "../../../infra/workload/config.js";
import { MODEL_DIR } from "../../../infra/workload/modelCache.js";
import { serverEnv, threadsForCpuLimit } from "../../../infra/workload/serverEnv.js";

const threadsOf = (env: (typeof ENVIRONMENTS)[number], cpu?: string): string | undefined => {
  const base = resolveInferenceConfig({}, env);
  const config =
    cpu === undefined
      ? base
      : { ...base, resources: { ...base.resources, limits: { ...base.resources.limits, cpu } } };
  const vars = serverEnv({
    config,
    track: "stable",
    model: config.model,
    modelDir: MODEL_DIR,
    apiKeysSecretName: "genai-api-keys",
    apiKeysSecretKey: "API_KEYS",
  });
  const value = vars.find((v) => v.name === "THREADS")?.value;
  return typeof value === "string" ? value : undefined;
};

describe("THREADS from the CPU limit", () => {
  for (const env of ENVIRONMENTS) {
    it(`${env}: equals the container's CPU limit and the server accepts it`, () => {
      const limit = resolveInferenceConfig({}, env).resources.limits.cpu;
      const threads = threadsOf(env);
      expect(threads).toBe(String(threadsForCpuLimit(limit)));
      expect(loadConfig({ THREADS: threads ?? "" }).threads).toBe(Number(threads));
    });
  }

  it("agrees with the server's own default under the cgroup quota that limit gives the container", () => {
    for (const cpu of ["1", "2", "4", "1500m", "8"]) {
      const cgroupRoot = mkdtempSync(join(tmpdir(), "cgroup-"));
      try {
        // Kubernetes writes the CPU limit as the CFS quota over a 100 ms period.
        const quota = Math.round(
          (cpu.endsWith("m") ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu)) * 100000,
        );
        writeFileSync(join(cgroupRoot, "cpu.max"), `${quota} 100000\n`);
        expect(threadsOf("prod", cpu), cpu).toBe(String(defaultThreads({ cgroupRoot, parallelism: 64 })));
      } finally {
        rmSync(cgroupRoot, { recursive: true, force: true });
      }
    }
  });

  it("follows an overridden limit: whole CPUs, rounded down, less one for the event loop, at least 1", () => {
    const env = ENVIRONMENTS[0];
    expect(threadsOf(env, "2")).toBe("1");
    expect(threadsOf(env, "3")).toBe("2");
    expect(threadsOf(env, "1500m")).toBe("1");
    expect(threadsOf(env, "250m")).toBe("1");
    expect(threadsOf(env, "3.5")).toBe("2");
    expect(threadsOf(env, "4000m")).toBe("3");
    expect(threadsOf(env, "16")).toBe("15");
  });

  it("refuses a limit that is not a quantity", () => {
    expect(() => threadsForCpuLimit("two")).toThrow(/invalid CPU limit "two"/);
  });
});
