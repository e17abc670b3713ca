// `genai:models` end to end under mocks: the presets, the refusals (single-model keys under genai:inference, a
// canary naming an unknown model, two names for one Kubernetes name), and what ModelEndpoint makes of them: one
// InferenceService per model with the catalog in every server's environment, one set of keys, one image, the
// gateway's pools on each model's track selectors, the HPA reading its own model's queue, VPAs in Off mode.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../inference/src/config.js";
import { resolveModelsConfig } from "../../../infra/workload/modelsConfig.js";
import { CHART, DEPLOYMENT, HPA, IMAGE, NP, ROUTE, SECRET, VPA, VS } from "../support/fixtures.js";
import { runProgram } from "../support/program.js";
import { at, DIGEST, type Obj, withRepoBuild } from "../support/workload.js";

const run = (stack: "dev" | "prod" | "ci", models?: Obj, inference: Obj = {}) =>
  runProgram(stack, {
    program: "test/unit/support/modelEndpointProgram.ts",
    ignoreStackFile: true,
    overrides: { ...(models ? { models } : {}), inference: withRepoBuild(inference) },
    state: (type) => (type === IMAGE ? { digest: DIGEST } : {}),
  });

const envOf = (d: { inputs: unknown }): Record<string, string> =>
  Object.fromEntries(
    (at(d.inputs, "spec", "template", "spec", "containers", 0, "env") as { name: string; value?: string }[])
      .filter((e) => e.value !== undefined)
      .map((e) => [e.name, e.value as string]),
  );

describe("genai:models presets", () => {
  it("dev: one small chat model on CPU", () => {
    const { models } = resolveModelsConfig(undefined, undefined, "dev");
    expect(models.map((m) => [m.name, m.type, m.config.gpu.enabled])).toEqual([["smollm2", "chat", false]]);
  });

  it("prod: a chat model on GPU with a canary, and an embeddings model on CPU", () => {
    const { models } = resolveModelsConfig(undefined, undefined, "prod");
    expect(models.map((m) => [m.name, m.type, m.config.gpu.enabled, m.config.canary.enabled])).toEqual([
      ["smollm2-chat", "chat", true, true],
      ["smollm2-embed", "embeddings", false, false],
    ]);
    expect(models[1]?.config.replicas).toEqual({ min: 2, max: 6 });
  });

  it("ci: two models", () => {
    expect(resolveModelsConfig(undefined, undefined, "ci").models.map((m) => m.type)).toEqual([
      "chat",
      "embeddings",
    ]);
  });
});

describe("genai:models refusals name the key", () => {
  it("refuses the old single-model genai:inference keys and shows the new shape", () => {
    expect(() =>
      resolveModelsConfig(undefined, { model: { uri: "/m.gguf" }, replicas: { min: 1 } }, "dev"),
    ).toThrow(
      /genai:inference\.model: a setting of one model; it moved to genai:models\.<name>\.model[\s\S]*genai:inference\.replicas[\s\S]*genai:models:\n\s+<model name clients send>:\n\s+type: chat/,
    );
  });

  it("refuses a canary that names a model the map lacks", () => {
    expect(() =>
      resolveModelsConfig(
        { chat: { canary: { enabled: true, weight: 10, model: "chat-v2" } } },
        undefined,
        "dev",
      ),
    ).toThrow(
      /genai:models\.chat\.canary\.model: names model "chat-v2", which genai:models does not define \(defined: chat\)/,
    );
  });

  it("refuses two models that would get one Kubernetes name", () => {
    expect(() => resolveModelsConfig({ "Chat.v1": {}, "chat-v1": {} }, undefined, "dev")).toThrow(
      /genai:models\.chat-v1: same Kubernetes name "chat-v1" as genai:models\.Chat\.v1/,
    );
  });

  it("refuses bad values with their full key, and an empty map", () => {
    expect(() => resolveModelsConfig({ chat: { type: "vision" } }, undefined, "dev")).toThrow(
      /genai:models\.chat\.type/,
    );
    expect(() => resolveModelsConfig({ chat: { replicas: { min: 3, max: 1 } } }, undefined, "dev")).toThrow(
      /genai:models\.chat\.replicas: min must not exceed max/,
    );
    expect(() => resolveModelsConfig({}, undefined, "dev")).toThrow(/genai:models: at least one model/);
  });

  it("lets a canary run another model of the map (its file) at a weight", () => {
    const other = { uri: "hf:org/repo/other.Q4_0.gguf", sha256: "a".repeat(64), file: "other.Q4_0.gguf" };
    const { models } = resolveModelsConfig(
      { chat: { canary: { enabled: true, weight: 25, model: "chat-next" } }, "chat-next": { model: other } },
      undefined,
      "dev",
    );
    expect(models[0]?.config.canary).toMatchObject({ enabled: true, weight: 25, model: other });
  });
});

describe("ModelEndpoint", () => {
  it("runs one InferenceService per model and track, all on one image, with one set of API keys", async () => {
    const r = await run("prod");
    expect(
      r
        .all(DEPLOYMENT)
        .map((d) => d.name)
        .sort(),
    ).toEqual([
      "inference-smollm2-chat-canary",
      "inference-smollm2-chat-stable",
      "inference-smollm2-embed-stable",
    ]);
    expect(r.all(IMAGE)).toHaveLength(1);
    expect(r.all(SECRET).filter((s) => s.name.includes("api-keys"))).toHaveLength(1);
    expect(r.all(VS)).toHaveLength(0); // the gateway routes now
    expect(r.outputs.url).toBe("http://genai.example.internal");
    expect(r.outputs.canaryWeights).toEqual({ "smollm2-chat": 10, "smollm2-embed": 0 });
    expect(r.outputs.modelTypes).toEqual({ "smollm2-chat": "chat", "smollm2-embed": "embeddings" });
  });

  it("tells every server its name, kind and the whole catalog, in a form the server accepts", async () => {
    const r = await run("prod");
    const embed = envOf(r.one(DEPLOYMENT, "inference-smollm2-embed-stable"));
    expect(embed).toMatchObject({ MODEL_NAME: "smollm2-embed", MODEL_TYPE: "embeddings", GPU: "false" });
    const chat = envOf(r.one(DEPLOYMENT, "inference-smollm2-chat-stable"));
    expect(chat).toMatchObject({ MODEL_NAME: "smollm2-chat", MODEL_TYPE: "chat", GPU: "cuda" });
    expect(JSON.parse(chat.MODEL_CATALOG as string)).toEqual([
      { id: "smollm2-chat", type: "chat" },
      { id: "smollm2-embed", type: "embeddings" },
    ]);
    const server = loadConfig({ ...embed, API_KEYS: "t:sk-0123456789abcdef0123456789" });
    expect(server.modelType).toBe("embeddings");
    expect(server.catalog.map((c) => c.id)).toEqual(["smollm2-chat", "smollm2-embed"]);
  });

  it("routes each model to its own tracks' pods, the canary by weight", async () => {
    const r = await run("prod");
    const rules = at(r.one(ROUTE).inputs, "spec", "rules");
    expect(at(rules[0], "matches", 0, "headers", 0, "value")).toBe("smollm2-chat");
    expect(at(rules[0], "backendRefs").map((b: Obj) => [b.name, b.weight])).toEqual([
      ["inference-smollm2-chat-stable", 90],
      ["inference-smollm2-chat-canary", 10],
    ]);
    const pool = r.all(CHART).find((c) => c.inputs.name === "inference-smollm2-chat-stable");
    expect(at(pool?.inputs.values, "inferencePool", "modelServers", "matchLabels")).toEqual(
      at(r.one(DEPLOYMENT, "inference-smollm2-chat-stable").inputs, "spec", "selector", "matchLabels"),
    );
    // The embeddings model goes to a Service over its pods (no picker: see ModelRoute.type).
    expect(at(rules[1], "backendRefs", 0, "kind")).toBe("Service");
    const service = r
      .all("kubernetes:core/v1:Service")
      .find((x) => at(x.inputs, "metadata", "name") === at(rules[1], "backendRefs", 0, "name"));
    expect(at(service?.inputs, "spec", "selector")).toEqual(
      at(r.one(DEPLOYMENT, "inference-smollm2-embed-stable").inputs, "spec", "selector", "matchLabels"),
    );
  });

  it("scales each model on its own queue and recommends sizes without acting (VPA Off)", async () => {
    const r = await run("prod");
    const hpa = r.one(HPA, "inference-smollm2-embed-stable");
    expect(at(hpa.inputs, "spec", "metrics", 2, "pods", "metric")).toEqual({
      name: "genai_requests_waiting",
      selector: { matchLabels: { model: "smollm2-embed" } },
    });
    expect(r.all(VPA).map((v) => at(v.inputs, "spec", "updatePolicy", "updateMode"))).toEqual([
      "Off",
      "Off",
      "Off",
    ]);
  });

  it("lets the gateway's pods and the endpoint pickers reach the servers", async () => {
    const r = await run("dev");
    const ingress = at(r.one(NP, "inference-smollm2-server").inputs, "spec", "ingress");
    expect(at(ingress[0], "from", 0, "podSelector", "matchLabels")).toEqual({
      "gateway.networking.k8s.io/gateway-name": "genai-models",
    });
    expect(at(ingress[2], "from", 0, "podSelector")).toEqual({
      matchExpressions: [{ key: "inferencepool", operator: "Exists" }],
    });
  });

  it("fails the program with the key named for a single-model genai:inference", async () => {
    await expect(run("dev", undefined, { canary: { enabled: true } })).rejects.toThrow(
      /genai:inference\.canary/,
    );
  });
});
