import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { CLUSTER_PRESETS, parseConfig } from "../../infra/config.js";
import { ConfigError } from "../../infra/configError.js";
import { runProgram } from "./support/program.js";
import { PROD_SECRETS } from "./support/fixtures.js";

/** A prod config as Pulumi.prod.yaml would give it (a backup location and its credentials), plus `raw`. */
const prod = (raw: Record<string, unknown> = {}) =>
  parseConfig(
    {
      ...PROD_SECRETS,
      backups: { s3: { bucket: "genai-backups", endpoint: "https://s3.test:9000" } },
      ...raw,
    },
    "prod",
  );

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

function isSecretOutput(value: unknown): Promise<boolean> {
  return pulumi.isSecret(value as pulumi.Output<unknown>);
}

describe("environment", () => {
  it("defaults to the stack name when it is an environment", () => {
    expect(parseConfig({}, "dev").environment).toBe("dev");
    expect(prod().environment).toBe("prod");
    expect(parseConfig({}, "ci").environment).toBe("ci");
  });

  it("genai:environment wins over the stack name", () => {
    expect(parseConfig({ environment: "ci" }, "my-feature-stack").environment).toBe("ci");
  });

  it("names the key and the allowed values when neither is valid", () => {
    const err = errorOf(() => parseConfig({}, "staging"));
    expect(err.message).toContain("genai:environment");
    expect(err.message).toContain('"dev", "prod", "ci"');
    expect(errorOf(() => parseConfig({ environment: "qa" }, "dev")).message).toMatch(
      /genai:environment: got "qa"/,
    );
  });
});

describe("presets", () => {
  it("dev: single replicas, small, no persistence for metrics, GPU operator and backups off", () => {
    const c = parseConfig({}, "dev");
    expect(c.monitoring.prometheus).toMatchObject({
      replicas: 1,
      retention: "3d",
      storage: { persistence: false },
    });
    expect(c.monitoring.alertmanager.replicas).toBe(1);
    expect(c.logging.elasticsearch.nodes).toBe(1);
    expect(c.tracing).toMatchObject({ storage: "memory", replicas: 1 });
    expect(c.mesh).toMatchObject({ mtls: "STRICT", istiodReplicas: 1, gateway: { replicas: 1 } });
    expect(c.gpuOperator.enabled).toBe(false);
    expect(c.backups.enabled).toBe(false);
    expect(c.inference.gpu.enabled).toBe(false);
  });

  it("prod: HA replicas (>= 2, most >= 3), persistence, GPU, Elasticsearch traces, backups on", () => {
    const c = prod();
    expect(c.monitoring.prometheus).toMatchObject({
      replicas: 2,
      retention: "30d",
      storage: { persistence: true, size: "200Gi" },
    });
    expect(c.monitoring.alertmanager).toMatchObject({ replicas: 3, storage: { persistence: true } });
    expect(c.logging.elasticsearch).toMatchObject({
      nodes: 3,
      storage: { persistence: true, size: "200Gi" },
    });
    expect(c.logging.retention.deleteAfterDays).toBe(30);
    expect(c.tracing).toMatchObject({ storage: "elasticsearch", replicas: 2 });
    expect(c.mesh.gateway.replicas).toBe(3);
    expect(c.gpuOperator).toMatchObject({ enabled: true, sharing: { mode: "time-slicing", replicas: 2 } });
    expect(c.backups.enabled).toBe(true);
    expect(c.inference.replicas.min).toBeGreaterThanOrEqual(3);
    expect(c.inference.gpu.enabled).toBe(true);
  });

  it("ci: every chart-based service is off", () => {
    const c = parseConfig({}, "ci");
    for (const key of ["gpuOperator", "monitoring", "logging", "mesh", "backups"] as const)
      expect(c[key].enabled, key).toBe(false);
    expect(c.monitoring.adapter.enabled).toBe(false);
  });

  it("stack values go on top of the preset, key by key", () => {
    const c = prod({ monitoring: { prometheus: { retention: "45d" } } });
    expect(c.monitoring.prometheus.retention).toBe("45d");
    expect(c.monitoring.prometheus.replicas).toBe(CLUSTER_PRESETS.prod.monitoring?.prometheus?.replicas);
  });

  it("includes the models (and the endpoint's inference settings) resolved for the same environment", () => {
    const c = parseConfig({ models: { chat: { replicas: { min: 2, max: 5 } } } }, "dev");
    expect(c.models.models.map((m) => [m.name, m.config.replicas])).toEqual([["chat", { min: 2, max: 5 }]]);
    expect(c.inference.replicas).toEqual({ min: 2, max: 5 });
  });
});

describe("bad values fail with the key and what is allowed", () => {
  it.each([
    [
      { monitoring: { prometheus: { retention: "two weeks" } } },
      "genai:monitoring.prometheus.retention",
      "duration",
    ],
    [{ monitoring: { prometheus: { replicas: 0 } } }, "genai:monitoring.prometheus.replicas", ""],
    [{ mesh: { mtls: "OFF" } }, "genai:mesh.mtls", '"STRICT", "PERMISSIVE"'],
    [
      { gpuOperator: { sharing: { mode: "mps" } } },
      "genai:gpuOperator.sharing.mode",
      '"none", "time-slicing", "mig"',
    ],
    [
      { logging: { elasticsearch: { storage: { size: "lots" } } } },
      "genai:logging.elasticsearch.storage.size",
      "quantity",
    ],
    [{ backups: { s3: { endpoint: "not a url" } } }, "genai:backups.s3.endpoint", ""],
    [{ namespaces: { names: { workload: "Bad_Name" } } }, "genai:namespaces.names.workload", "DNS label"],
    [{ tracing: { storage: "cassandra" } }, "genai:tracing.storage", '"memory", "elasticsearch"'],
  ])("%j", (raw, key, allowed) => {
    const err = errorOf(() => parseConfig(raw, "dev"));
    expect(err.message).toContain(key);
    expect(err.message).toContain(allowed);
  });

  it("refuses unknown keys, inside a section and at the top", () => {
    expect(errorOf(() => parseConfig({ monitoring: { promethues: {} } }, "dev")).message).toMatch(
      /genai:monitoring.*promethues/,
    );
    const top = errorOf(() => parseConfig({ monitor: {} }, "dev")).message;
    expect(top).toContain("genai:monitor");
    expect(top).toContain("genai:monitoring");
  });

  it("names the inference and models keys too", () => {
    expect(errorOf(() => parseConfig({ inference: { host: "Not A Host" } }, "dev")).message).toContain(
      "genai:inference.host",
    );
    expect(
      errorOf(() => parseConfig({ models: { chat: { replicas: { min: "three" } } } }, "dev")).message,
    ).toContain("genai:models.chat.replicas.min");
  });
});

describe("rules across keys", () => {
  it("backups need credentials and a location", () => {
    expect(errorOf(() => parseConfig({}, "prod")).message).toContain("genai:backupsCredentials: required");
    const err = errorOf(() =>
      parseConfig({ ...PROD_SECRETS, backups: { s3: { region: "minio" } } }, "prod"),
    ).message;
    expect(err).toContain("genai:backups.s3.bucket: required");
    expect(err).toContain("genai:backups.s3.endpoint: required");
  });

  it("Elasticsearch traces need the logging cluster or an elasticsearchUrl", () => {
    expect(errorOf(() => prod({ logging: { enabled: false } })).message).toContain(
      "genai:tracing.elasticsearchUrl",
    );
    expect(
      prod({ logging: { enabled: false }, tracing: { elasticsearchUrl: "https://es.corp:9200" } }).tracing
        .storage,
    ).toBe("elasticsearch");
  });

  it("in-memory traces cannot have several replicas", () => {
    expect(errorOf(() => parseConfig({ tracing: { replicas: 2 } }, "dev")).message).toContain(
      "genai:tracing.replicas",
    );
  });

  it("the adapter without the stack needs an existing Prometheus", () => {
    expect(errorOf(() => parseConfig({ monitoring: { enabled: false } }, "dev")).message).toContain(
      "genai:monitoring.prometheusUrl",
    );
  });

  it("a managed driver must be pinned", () => {
    expect(errorOf(() => prod({ gpuOperator: { driver: { managed: true } } })).message).toContain(
      "genai:gpuOperator.driver.version",
    );
  });

  it("the GPU quota admits stable and canary at their maximum: every preset passes", () => {
    const need = (c: ReturnType<typeof parseConfig>) =>
      (c.inference.replicas.max + (c.inference.canary.enabled ? c.inference.canary.replicas.max : 0)) *
      c.inference.gpu.count;
    const p = prod();
    expect(p.namespaces.workloadQuota.gpus).toBe(24);
    expect(p.namespaces.workloadQuota.gpus).toBeGreaterThanOrEqual(need(p));
    const ci = parseConfig({}, "ci");
    expect(ci.namespaces.workloadQuota.gpus).toBeGreaterThanOrEqual(need(ci));
    expect(parseConfig({}, "dev").inference.gpu.enabled).toBe(false);
  });

  it("a GPU quota below the maximum names both keys and the numbers", () => {
    const message = errorOf(() => prod({ namespaces: { workloadQuota: { gpus: 16 } } })).message;
    expect(message).toContain(
      "genai:namespaces.workloadQuota.gpus: 16 is below what genai:models may request: " +
        "smollm2-chat (replicas.max 20 + canary.replicas.max 4) x gpu.count 1 = 24",
    );
    const gpuModels = (chat: object, embed: object = {}) => ({
      "smollm2-chat": { type: "chat", gpu: { enabled: true }, ...chat },
      "smollm2-embed": { type: "embeddings", ...embed },
    });
    expect(
      errorOf(() =>
        prod({ models: gpuModels({ gpu: { count: 2 } }), namespaces: { workloadQuota: { gpus: 47 } } }),
      ).message,
    ).toContain("= 48");
    // Every model on a GPU counts: an embeddings model moved to GPUs adds its maximum.
    expect(
      errorOf(() => prod({ models: gpuModels({}, { gpu: { enabled: true }, replicas: { min: 2, max: 6 } }) }))
        .message,
    ).toContain("+ smollm2-embed (replicas.max 6) x gpu.count 1 = 30");
    // Without a canary, or with the quota not managed here, 20 GPUs are enough / nothing is checked.
    expect(() =>
      prod({
        models: gpuModels({ canary: { enabled: false, weight: 0 } }),
        namespaces: { workloadQuota: { gpus: 20 } },
      }),
    ).not.toThrow();
    expect(() => prod({ namespaces: { enabled: false, workloadQuota: { gpus: 0 } } })).not.toThrow();
    expect(() => parseConfig({ namespaces: { workloadQuota: { gpus: 0 } } }, "dev")).not.toThrow();
  });

  it("the tracing CPU limit is at least its request", () => {
    expect(parseConfig({}, "dev").tracing.cpuLimit).toBe("1");
    expect(prod().tracing.cpuLimit).toBe("2");
    expect(errorOf(() => parseConfig({ tracing: { cpuLimit: "250m" } }, "dev")).message).toContain(
      "genai:tracing.cpuLimit: 250m is below genai:tracing.resources.cpu 500m",
    );
    expect(() => parseConfig({ tracing: { cpuLimit: "500m" } }, "dev")).not.toThrow();
  });
});

describe("secrets", () => {
  it("are kept as secret Outputs", async () => {
    const c = prod({
      gatewayTls: {
        certificate: "-----BEGIN CERTIFICATE-----\nx",
        privateKey: "-----BEGIN PRIVATE KEY-----\ny",
      },
      alertWebhooks: { critical: "https://hooks.example/critical", escalation: "https://hooks.example/page" },
    });
    expect(await isSecretOutput(c.secrets.backupsCredentials)).toBe(true);
    expect(await isSecretOutput(c.secrets.gatewayTls)).toBe(true);
    expect(await isSecretOutput(c.secrets.alertWebhooks?.urls)).toBe(true);
    expect(c.secrets.alertWebhooks?.receivers).toEqual(["critical", "escalation"]);
  });

  it("a malformed secret names its field without echoing the value", () => {
    const err = errorOf(() => prod({ backupsCredentials: { accessKeyId: "AKIA-SHOULD-NOT-LEAK" } }));
    expect(err.message).toContain("genai:backupsCredentials.secretAccessKey");
    expect(err.message).not.toContain("AKIA-SHOULD-NOT-LEAK");
  });
});

describe("loadConfig through the real program", () => {
  it("a wrong value fails the program (pulumi preview) with the key", async () => {
    await expect(runProgram("dev", { overrides: { mesh: { mtls: "DISABLE" } } })).rejects.toThrow(
      /genai:mesh\.mtls/,
    );
  });

  it("reads the stack file and the secrets", async () => {
    const run = await runProgram("prod", { secrets: PROD_SECRETS });
    expect(run.outputs.environment).toBe("prod");
  });
});
