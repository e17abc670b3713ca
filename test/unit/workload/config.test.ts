import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../infra/configError.js";
import { ENVIRONMENTS } from "../../../infra/environment.js";
import { isPinnedImageRef, resolveInferenceConfig } from "../../../infra/workload/config.js";

const PINNED = `r.example/genai/inference:1.2.3@sha256:${"f".repeat(64)}`;

describe("genai:inference config", () => {
  it("resolves every preset without stack values", () => {
    for (const env of ENVIRONMENTS) expect(() => resolveInferenceConfig(undefined, env)).not.toThrow();
  });

  it("dev is one CPU replica without canary; prod is GPU, 3-20 replicas, canary at 10%", () => {
    const dev = resolveInferenceConfig({}, "dev");
    expect(dev.gpu.enabled).toBe(false);
    expect(dev.replicas.min).toBe(1);
    expect(dev.canary).toMatchObject({ enabled: false, weight: 0 });
    const prod = resolveInferenceConfig({}, "prod");
    expect(prod.gpu.enabled).toBe(true);
    expect(prod.replicas).toEqual({ min: 3, max: 20 });
    expect(prod.canary).toMatchObject({ enabled: true, weight: 10 });
    expect(prod.topologySpread).toBe(true);
  });

  it("lays stack values over the preset key by key and replaces images whole", () => {
    const cfg = resolveInferenceConfig(
      { canary: { weight: 50 }, replicas: { max: 30 }, image: { ref: PINNED } },
      "prod",
    );
    expect(cfg.canary).toMatchObject({ enabled: true, weight: 50, replicas: { min: 1, max: 4 } });
    expect(cfg.replicas).toEqual({ min: 3, max: 30 });
    expect(cfg.image.ref).toBe(PINNED);
  });

  it("moves the build to another registry with one key; a ref replaces the build", () => {
    const cfg = resolveInferenceConfig({ image: { build: { registry: "harbor.corp.example" } } }, "prod");
    expect(cfg.image.ref).toBeUndefined();
    expect(cfg.image.build).toMatchObject({
      registry: "harbor.corp.example",
      repository: "genai/inference",
      cuda: true,
    });
    expect(resolveInferenceConfig({}, "ci").image.ref).toBe("localhost:5000/genai/inference:0.1.0");
  });

  it("names the key and the allowed values for bad input", () => {
    expect(() => resolveInferenceConfig({ canary: { weight: 101 } }, "prod")).toThrow(
      /genai:inference\.canary\.weight/,
    );
    expect(() => resolveInferenceConfig({ replicas: { min: 5, max: 2 } }, "dev")).toThrow(
      /genai:inference\.replicas/,
    );
    expect(() => resolveInferenceConfig({ modelCache: { accessMode: "Nope" } }, "dev")).toThrow(
      /ReadWriteOnce/,
    );
    expect(() => resolveInferenceConfig({ replica: 3 }, "dev")).toThrow(/unknown key.*"replica"/);
    expect(() => resolveInferenceConfig({ canary: { weight: 10 } }, "dev")).toThrow(ConfigError);
  });

  it("needs a digest for a prebuilt image in prod", () => {
    const ref = "r.example/genai/inference:1.2.3";
    expect(() => resolveInferenceConfig({ image: { ref } }, "prod")).toThrow(
      /genai:inference\.image\.ref: prod needs a digest/,
    );
    expect(() => resolveInferenceConfig({ canary: { image: { ref } } }, "prod")).toThrow(
      /genai:inference\.canary\.image\.ref/,
    );
    expect(
      resolveInferenceConfig({ image: { ref: `${ref}@sha256:${"e".repeat(64)}` } }, "prod").image,
    ).toHaveProperty("ref");
    expect(resolveInferenceConfig({ image: { ref } }, "dev").image.ref).toBe(ref);
  });

  it("refuses latest and untagged prebuilt images", () => {
    expect(() =>
      resolveInferenceConfig({ image: { ref: "r.example/genai/inference:latest" } }, "ci"),
    ).toThrow(/genai:inference\.image/);
    expect(isPinnedImageRef("r.example:5000/genai/inference")).toBe(false);
    expect(isPinnedImageRef("r.example:5000/genai/inference:0.1.0")).toBe(true);
    expect(isPinnedImageRef(`r.example/genai/inference@sha256:${"a".repeat(64)}`)).toBe(true);
    expect(isPinnedImageRef("r.example/genai/inference@sha256:abc")).toBe(false);
  });
});
