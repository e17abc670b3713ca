// The contract between the platform and the server: every environment variable the InferenceService sets is one the
// server reads (inference/src/config.ts), and the server accepts the values as the platform writes them.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../inference/src/config.js";
import { ENVIRONMENTS } from "../../../infra/environment.js";
import { resolveInferenceConfig } from "../../../infra/workload/config.js";
import { MODEL_DIR } from "../../../infra/workload/modelCache.js";
import { serverEnv } from "../../../infra/workload/serverEnv.js";

/** Variables read by libraries the server embeds rather than by inference/src/config.ts. */
const READ_BY_OTEL_SDK = ["OTEL_RESOURCE_ATTRIBUTES"];

function platformEnv(env: (typeof ENVIRONMENTS)[number]): Record<string, string> {
  const config = resolveInferenceConfig({}, env);
  const vars = serverEnv({
    config,
    track: "canary",
    model: config.model,
    modelDir: MODEL_DIR,
    apiKeysSecretName: "genai-api-keys",
    apiKeysSecretKey: "API_KEYS",
    tracingEndpoint: "http://jaeger.tracing.svc:4318",
  });
  // Secret references become a value of the shape the Secret holds (tenant:key pairs).
  return Object.fromEntries(
    vars.map((v) => [v.name, typeof v.value === "string" ? v.value : "default:sk-contract-test-key"]),
  );
}

/** Runs the server's config loader over `env`, recording every variable it looks at. */
function readBy(env: Record<string, string>): { names: Set<string>; config: ReturnType<typeof loadConfig> } {
  const names = new Set<string>();
  const tracked = new Proxy(env, {
    get(target, key) {
      if (typeof key === "string") names.add(key);
      return Reflect.get(target, key);
    },
  });
  return { names, config: loadConfig(tracked) };
}

describe("InferenceService env ⇄ inference server config", () => {
  for (const env of ENVIRONMENTS) {
    it(`${env}: every variable the platform sets is read by the server, and parses`, () => {
      const vars = platformEnv(env);
      const { names, config } = readBy(vars);
      const unread = Object.keys(vars).filter((k) => !names.has(k) && !READ_BY_OTEL_SDK.includes(k));
      expect(unread).toEqual([]);
      const infra = resolveInferenceConfig({}, env);
      expect(config.model).toBe(`${MODEL_DIR}/${infra.model.file}`);
      expect(config.modelDownload).toBe(false);
      expect(config.sequences).toBe(infra.sequences);
      expect(config.queueSize).toBe(infra.queueSize);
      expect(config.shutdownGraceMs).toBe(infra.drainSeconds * 1000);
      expect(config.otlpEndpoint).toBe("http://jaeger.tracing.svc:4318");
    });
  }
});
