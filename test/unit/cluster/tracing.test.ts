import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { argsErrorOf, runComponent } from "../support/component.js";
import { urlPort } from "../../../infra/cluster/tracing/index.js";
import { selects } from "../../../infra/policy/checks.js";
import { at, CONFIGMAP, cr, DEPLOYMENT, NP, PDB, PROD_SECRETS, SECRET } from "../support/fixtures.js";
import { isSecret, type ProgramRun, runProgram } from "../support/program.js";

const JAEGER = "genai-tracing-jaeger";

let dev: ProgramRun;
let prod: ProgramRun;
/** prod with traces in an Elasticsearch outside the cluster (logging off). */
let external: ProgramRun;

beforeAll(async () => {
  dev = await runProgram("dev");
  prod = await runProgram("prod", { secrets: PROD_SECRETS });
  external = await runProgram("prod", {
    secrets: PROD_SECRETS,
    overrides: { logging: { enabled: false }, tracing: { elasticsearchUrl: "https://es.corp.example:9243" } },
  });
});

const podLabels = (run: ProgramRun) =>
  at(run.one(DEPLOYMENT, JAEGER).inputs, "spec", "template", "metadata", "labels") as Record<string, unknown>;
const policy = (run: ProgramRun) => run.one(NP, JAEGER).inputs;
const byNamespace = (ns: string) => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
});
const DNS = {
  to: [{ ...byNamespace("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};

describe("Jaeger resources", () => {
  it("limits CPU per environment (genai:tracing.cpuLimit) and memory at its request", () => {
    const limits = (run: ProgramRun) =>
      at(
        run.one(DEPLOYMENT, JAEGER).inputs,
        "spec",
        "template",
        "spec",
        "containers",
        0,
        "resources",
        "limits",
      );
    expect(limits(dev)).toEqual({ cpu: "1", memory: "1Gi" });
    expect(limits(prod)).toEqual({ cpu: "2", memory: "2Gi" });
  });
});

describe("Jaeger PodDisruptionBudget", () => {
  it("covers the Jaeger pods with maxUnavailable 1, so a single replica never blocks a drain", () => {
    for (const run of [dev, prod]) {
      const pdb = run.one(PDB, JAEGER).inputs;
      expect(at(pdb, "metadata", "namespace")).toBe("tracing");
      expect(at(pdb, "spec", "maxUnavailable")).toBe(1);
      expect(at(pdb, "spec", "minAvailable")).toBeUndefined();
      expect(selects(at(pdb, "spec", "selector"), podLabels(run))).toBe(true);
    }
  });
});

describe("Jaeger NetworkPolicy", () => {
  it("selects the Jaeger pods only, for ingress and egress", () => {
    const spec = at(policy(dev), "spec") as Record<string, unknown>;
    expect(at(policy(dev), "metadata", "namespace")).toBe("tracing");
    expect(selects(spec.podSelector, podLabels(dev))).toBe(true);
    expect(selects(spec.podSelector, { "app.kubernetes.io/name": "other" })).toBe(false);
    expect(spec.policyTypes).toEqual(["Ingress", "Egress"]);
  });

  it("takes OTLP from every namespace and queries from the monitoring namespace only", () => {
    expect(at(policy(dev), "spec", "ingress")).toEqual([
      {
        from: [{ namespaceSelector: {} }],
        ports: [
          { protocol: "TCP", port: 4317 },
          { protocol: "TCP", port: 4318 },
        ],
      },
      { from: [byNamespace("monitoring")], ports: [{ protocol: "TCP", port: 16686 }] },
    ]);
  });

  it("in-memory storage (dev) reaches DNS only", () => {
    expect(at(policy(dev), "spec", "egress")).toEqual([DNS]);
  });

  it("the logging cluster's Elasticsearch (prod): DNS and its port in the logging namespace", () => {
    expect(at(policy(prod), "spec", "egress")).toEqual([
      DNS,
      { to: [byNamespace("logging")], ports: [{ protocol: "TCP", port: 9200 }] },
    ]);
  });

  it("an Elasticsearch outside the cluster: DNS and the configured URL's port to any destination", () => {
    expect(at(policy(external), "spec", "egress")).toEqual([
      DNS,
      { ports: [{ protocol: "TCP", port: 9243 }] },
    ]);
  });
});

describe("urlPort", () => {
  it("takes the explicit port, else the scheme's default, and refuses other schemes", () => {
    expect(urlPort("https://es.corp:9200")).toBe(9200);
    expect(urlPort("https://es.corp")).toBe(443);
    expect(urlPort("http://es.corp/")).toBe(80);
    expect(() => urlPort("ftp://es.corp")).toThrow(/expected http\(s\)/);
  });
});

describe("Tracing", () => {
  const jaegerConfig = (run: ProgramRun) =>
    parseYaml(
      String(
        at(run.one("kubernetes:core/v1:ConfigMap", "genai-tracing-config").inputs, "data", "config.yaml"),
      ),
    );

  it("receives OTLP on 4317 (gRPC) and 4318 (HTTP)", () => {
    const ports = at(
      dev.one("kubernetes:core/v1:Service", "genai-tracing-jaeger").inputs,
      "spec",
      "ports",
    ) as { port: number }[];
    expect(ports.map((p) => p.port)).toEqual(expect.arrayContaining([4317, 4318]));
    expect(jaegerConfig(dev).receivers.otlp.protocols).toEqual({
      grpc: { endpoint: "0.0.0.0:4317" },
      http: { endpoint: "0.0.0.0:4318" },
    });
    expect(dev.outputs.otlpEndpoint).toBe("http://jaeger.tracing.svc:4318");
  });

  it("keeps traces in memory in dev and in Elasticsearch in prod, after Elasticsearch exists", () => {
    expect(jaegerConfig(dev).extensions.jaeger_storage.backends.main).toEqual({
      memory: { max_traces: 50000 },
    });
    const es = jaegerConfig(prod).extensions.jaeger_storage.backends.main.elasticsearch;
    expect(es).toMatchObject({
      auth: { basic: { username: "jaeger" } },
      indices: { index_prefix: "genai-traces" },
    });
    const deployment = prod.one("kubernetes:apps/v1:Deployment", "genai-tracing-jaeger");
    expect(at(deployment.inputs, "spec", "replicas")).toBe(2);
    expect(prod.dependsOn(deployment, cr(prod, "Elasticsearch", "genai-logging-elasticsearch"))).toBe(true);
    expect(isSecret(prod.one(SECRET, "genai-tracing-es"), "stringData", "password")).toBe(true);
  });

  it("runs under the restricted Pod Security profile", () => {
    const container = at(
      dev.one("kubernetes:apps/v1:Deployment", "genai-tracing-jaeger").inputs,
      "spec",
      "template",
      "spec",
      "containers",
      0,
    );
    expect(at(container, "securityContext")).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(at(container, "resources", "limits", "memory")).toBe("1Gi");
  });
});

describe("Tracing alone (infra/cluster/tracing with empty Args)", () => {
  it("runs one Jaeger with in-memory traces in tracing, queried from monitoring", async () => {
    const run = await runComponent("Tracing");
    const deployment = run.one(DEPLOYMENT, "tracing-jaeger").inputs;
    expect(at(deployment, "metadata", "namespace")).toBe("tracing");
    expect(at(deployment, "spec", "replicas")).toBe(1);
    expect(at(deployment, "spec", "template", "spec", "containers", 0, "resources")).toEqual({
      requests: { cpu: "500m", memory: "1Gi" },
      limits: { cpu: "1", memory: "1Gi" },
    });
    const config = parseYaml(String(at(run.one(CONFIGMAP, "tracing-config").inputs, "data", "config.yaml")));
    expect(at(config, "extensions", "jaeger_storage", "backends", "main")).toEqual({
      memory: { max_traces: 50000 },
    });
    expect(at(run.one(NP, "tracing-jaeger").inputs, "spec", "ingress", 1, "from")).toEqual([
      byNamespace("monitoring"),
    ]);
  });

  it("bad Args raise an InputPropertyError naming the property", async () => {
    const replicas = await argsErrorOf("Tracing", { replicas: 2 });
    expect(replicas.propertyPath).toBe("replicas");
    expect(replicas.reason).toContain("in-memory trace storage cannot have more than 1 replica");
    const limit = await argsErrorOf("Tracing", { cpuLimit: "lots" });
    expect(limit.propertyPath).toBe("cpuLimit");
    expect(limit.reason).toContain("expected a Kubernetes quantity");
  });
});
