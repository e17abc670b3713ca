import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { CHARTS } from "../../infra/cluster/charts.js";
import { at, CHART, PROD_SECRETS, RELEASE, RENDERED_CHART } from "./support/fixtures.js";
import { isSecret, type ProgramRun, type RecordedResource, runProgram } from "./support/program.js";

let dev: ProgramRun;
let prod: ProgramRun;

beforeAll(async () => {
  dev = await runProgram("dev");
  prod = await runProgram("prod", { secrets: PROD_SECRETS });
});

const NAMESPACE = "kubernetes:core/v1:Namespace";
const SECRET = "kubernetes:core/v1:Secret";
const cr = (run: ProgramRun, kind: string, name: string) =>
  run.resources.filter((r) => r.type.endsWith(`:${kind}`) && r.name === name)[0] as RecordedResource;

describe("charts", () => {
  it("every Release and Chart installs a pinned version from the charts module", () => {
    const installs = [...prod.all(RELEASE), ...prod.all(CHART)];
    // A chart from an OCI registry is named by its full reference (no Helm repository).
    const chartName = (chart: unknown) => String(chart).replace(/^oci:\/\/.*\//, "");
    expect(installs.map((r) => chartName(r.inputs.chart)).sort()).toEqual([
      "base",
      "body-based-routing",
      "cni",
      "eck-operator",
      "gateway",
      "gpu-operator",
      // One endpoint picker per model and track: chat stable + canary, embeddings stable.
      "inferencepool",
      "inferencepool",
      "inferencepool",
      "istiod",
      "kube-prometheus-stack",
      "prometheus-adapter",
      "prometheus-elasticsearch-exporter",
      "velero",
      "vertical-pod-autoscaler",
    ]);
    for (const r of installs) {
      const spec = Object.values(CHARTS).find((c) => c.chart === chartName(r.inputs.chart));
      expect(spec, String(r.inputs.chart)).toBeDefined();
      expect(r.inputs.version).toBe(spec?.version);
      if (spec?.repo.startsWith("oci://")) expect(r.inputs.chart).toBe(`${spec.repo}/${spec.chart}`);
      else expect(r.inputs.repositoryOpts).toEqual({ repo: spec?.repo });
      expect(r.type).toBe(spec?.mode === "release" ? RELEASE : CHART);
    }
    for (const spec of Object.values(CHARTS)) {
      expect(spec.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(spec.why.length).toBeGreaterThan(20);
    }
  });

  it("genai:charts.localDir installs from local archives (air-gapped)", async () => {
    const run = await runProgram("dev", { overrides: { charts: { localDir: "/srv/charts" } } });
    const kps = run.one(RELEASE, "genai-monitoring-kps");
    expect(kps.inputs.chart).toBe(
      `/srv/charts/kube-prometheus-stack-${CHARTS.kubePrometheusStack.version}.tgz`,
    );
    expect(kps.inputs.repositoryOpts).toBeUndefined();
    expect(run.one(CHART, "genai-monitoring-adapter").inputs.chart).toMatch(
      /^\/srv\/charts\/prometheus-adapter-.*\.tgz$/,
    );
  });
});

describe("render-only mode (genai:kubernetes.renderYamlToDirectory)", () => {
  it("skips charts without local archives, keeping every other object", async () => {
    const run = await runProgram("prod", {
      secrets: PROD_SECRETS,
      overrides: { kubernetes: { renderYamlToDirectory: "out/yaml" } },
    });
    expect(run.resources.filter((r) => r.type.startsWith("kubernetes:helm.sh"))).toHaveLength(0);
    expect(cr(run, "Elasticsearch", "genai-logging-elasticsearch")).toBeDefined();
    expect(cr(run, "PeerAuthentication", "genai-mesh-mtls")).toBeDefined();
    expect(run.one("pulumi:providers:kubernetes").inputs.renderYamlToDirectory).toBe("out/yaml");
  });

  it("renders every chart with helm.v3.Chart from genai:charts.localDir", async () => {
    const run = await runProgram("dev", {
      overrides: { kubernetes: { renderYamlToDirectory: "out/yaml" }, charts: { localDir: "/srv/charts" } },
    });
    expect(run.all(RELEASE)).toHaveLength(0);
    expect(run.all(CHART)).toHaveLength(0);
    const kps = run.one(RENDERED_CHART, "kps");
    expect(kps.inputs.path).toBe(
      `/srv/charts/kube-prometheus-stack-${CHARTS.kubePrometheusStack.version}.tgz`,
    );
    // (Dependencies on a helm.v3.Chart resolve to the objects it rendered, which the mocks do not render.)
    expect(run.one(RENDERED_CHART, "istio-base").inputs.path).toMatch(/\/srv\/charts\/base-/);
  });
});

describe("Namespaces", () => {
  it("Pod Security: restricted for the workload and tracing, privileged only where a node agent needs the host", () => {
    const level = (concern: string) =>
      at(
        prod.one(NAMESPACE, `genai-namespaces-${concern}`).inputs,
        "metadata",
        "labels",
        "pod-security.kubernetes.io/enforce",
      );
    expect(level("workload")).toBe("restricted");
    expect(level("tracing")).toBe("restricted");
    for (const c of ["gpuOperator", "monitoring", "logging", "mesh", "backups"])
      expect(level(c), c).toBe("privileged");
    const workload = prod.one(NAMESPACE, "genai-namespaces-workload").inputs;
    expect(at(workload, "metadata", "labels")).toMatchObject({
      "pod-security.kubernetes.io/warn": "restricted",
      "istio-injection": "enabled",
    });
  });

  it("the workload namespace has a ResourceQuota and a LimitRange sized per environment", () => {
    const hard = (run: ProgramRun) => at(run.one("kubernetes:core/v1:ResourceQuota").inputs, "spec", "hard");
    expect(hard(dev)).toMatchObject({ "requests.cpu": "8", "requests.nvidia.com/gpu": "1", pods: "40" });
    expect(hard(prod)).toMatchObject({ "requests.cpu": "96", "requests.nvidia.com/gpu": "24" });
    expect(at(prod.one("kubernetes:core/v1:LimitRange").inputs, "spec", "limits", 0)).toMatchObject({
      type: "Container",
      max: { cpu: "32", memory: "128Gi" },
      defaultRequest: { cpu: "100m" },
    });
  });

  it("only namespaces of enabled services exist; none when genai:namespaces.enabled is false", async () => {
    expect(dev.all(NAMESPACE).map((r) => r.name)).not.toContain("genai-namespaces-gpuOperator");
    expect(dev.all(NAMESPACE).map((r) => r.name)).not.toContain("genai-namespaces-backups");
    const run = await runProgram("ci", { overrides: { namespaces: { enabled: false } } });
    expect(run.all(NAMESPACE)).toHaveLength(0);
    expect((run.outputs.namespaces as Record<string, string>).workload).toBe("genai");
  });
});

describe("GpuOperator", () => {
  it("prod: preinstalled driver, toolkit, DCGM exporter with ServiceMonitor, time-slicing ConfigMap", () => {
    const release = prod.one(RELEASE, "genai-gpu-operator");
    expect(release.inputs).toMatchObject({ chart: "gpu-operator", namespace: "gpu-operator" });
    const values = release.inputs.values;
    expect(values).toMatchObject({
      driver: { enabled: false },
      toolkit: { enabled: true },
      dcgmExporter: { enabled: true, serviceMonitor: { enabled: true } },
      devicePlugin: { config: { name: "genai-gpu-sharing", default: "default" } },
      migManager: { enabled: false },
    });
    const sharing = prod.one("kubernetes:core/v1:ConfigMap", "genai-gpu-sharing");
    expect(parseYaml(String(at(sharing.inputs, "data", "default")))).toMatchObject({
      sharing: { timeSlicing: { resources: [{ name: "nvidia.com/gpu", replicas: 2 }] } },
    });
    // The ServiceMonitor needs the monitoring CRDs.
    expect(prod.dependsOn(release, prod.one(RELEASE, "genai-monitoring-kps"))).toBe(true);
  });

  it("MIG and a managed, pinned driver", async () => {
    const run = await runProgram("prod", {
      secrets: PROD_SECRETS,
      overrides: {
        gpuOperator: {
          driver: { managed: true, version: "580.95.05" },
          sharing: { mode: "mig", migStrategy: "mixed" },
        },
      },
    });
    expect(run.one(RELEASE, "genai-gpu-operator").inputs.values).toMatchObject({
      driver: { enabled: true, version: "580.95.05" },
      mig: { strategy: "mixed" },
      // The ClusterPolicy CRD allows only all-disabled or ""; the profile is the node label (chart-defects.test.ts).
      migManager: { enabled: true, config: { default: "all-disabled" } },
      devicePlugin: {},
    });
    expect(run.all("kubernetes:core/v1:ConfigMap", "genai-gpu-sharing")).toHaveLength(0);
  });

  it("is off in dev", () => {
    expect(dev.all("genai:cluster:GpuOperator")).toHaveLength(0);
  });
});

describe("Logging", () => {
  it("Elasticsearch: 1 node in dev, 3 in prod with persistence and one node per host", () => {
    const nodeSet = (run: ProgramRun) =>
      at(cr(run, "Elasticsearch", "genai-logging-elasticsearch").inputs, "spec", "nodeSets", 0);
    expect(nodeSet(dev)).toMatchObject({ count: 1 });
    expect(at(nodeSet(dev), "podTemplate", "spec", "affinity")).toBeUndefined();
    expect(nodeSet(prod)).toMatchObject({
      count: 3,
      volumeClaimTemplates: [
        { metadata: { name: "elasticsearch-data" }, spec: { resources: { requests: { storage: "200Gi" } } } },
      ],
    });
    expect(
      at(
        nodeSet(prod),
        "podTemplate",
        "spec",
        "affinity",
        "podAntiAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
        0,
        "topologyKey",
      ),
    ).toBe("kubernetes.io/hostname");
  });

  it("Elasticsearch, Kibana and Filebeat depend on the ECK operator (their CRDs)", () => {
    const eck = prod.one(RELEASE, "genai-logging-eck");
    expect(eck.inputs).toMatchObject({
      chart: "eck-operator",
      version: CHARTS.eckOperator.version,
      values: { installCRDs: true },
    });
    for (const [kind, name] of [
      ["Elasticsearch", "genai-logging-elasticsearch"],
      ["Kibana", "genai-logging-kibana"],
      ["Beat", "genai-logging-filebeat"],
    ] as const) {
      expect(prod.dependsOn(cr(prod, kind, name), eck), kind).toBe(true);
    }
  });

  it("Filebeat ships every pod's JSON logs into genai-logs-* under an ILM policy with the retention", () => {
    const beat = cr(prod, "Beat", "genai-logging-filebeat").inputs;
    const config = at(beat, "spec", "config") as Record<string, unknown>;
    expect(at(config, "filebeat.inputs", 0, "paths")).toEqual(["/var/log/containers/*.log"]);
    expect(JSON.stringify(at(config, "filebeat.inputs", 0, "processors"))).toContain("decode_json_fields");
    expect(at(config, "output.elasticsearch", "index")).toMatch(/^genai-logs-/);
    expect(config["setup.template"]).toEqual({ name: "genai-logs", pattern: "genai-logs-*" });
    expect(config["setup.ilm"]).toMatchObject({ enabled: true, policy_name: "genai-logs" });
    const policy = JSON.parse(
      String(at(prod.one("kubernetes:core/v1:ConfigMap", "genai-logging-ilm").inputs, "data", "policy.json")),
    );
    expect(policy.policy.phases.delete.min_age).toBe("30d");
    const devPolicy = JSON.parse(
      String(at(dev.one("kubernetes:core/v1:ConfigMap", "genai-logging-ilm").inputs, "data", "policy.json")),
    );
    expect(devPolicy.policy.phases.delete.min_age).toBe("3d");
  });

  it("serves HTTPS with a @pulumi/tls certificate whose key is secret", () => {
    const tls = prod.one(SECRET, "genai-logging-es-http-tls");
    expect(isSecret(tls, "stringData", "tls.key")).toBe(true);
    expect(
      at(
        cr(prod, "Elasticsearch", "genai-logging-elasticsearch").inputs,
        "spec",
        "http",
        "tls",
        "certificate",
        "secretName",
      ),
    ).toBe("genai-logs-http-tls");
  });

  it("prod: Jaeger gets its own Elasticsearch user with a generated, secret password", () => {
    const user = prod.one(SECRET, "genai-logging-user-jaeger");
    expect(user.inputs).toMatchObject({
      type: "kubernetes.io/basic-auth",
      stringData: { username: "jaeger", roles: "jaeger_writer" },
    });
    expect(isSecret(user, "stringData", "password")).toBe(true);
    const roles = parseYaml(
      String(at(prod.one(SECRET, "genai-logging-roles").inputs, "stringData", "roles.yml")),
    );
    expect(roles.jaeger_writer.indices[0].names).toEqual(["genai-traces-*"]);
    expect(dev.all(SECRET, "genai-logging-user-jaeger")).toHaveLength(0);
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

describe("Mesh", () => {
  it("installs base, cni, istiod and the gateway in order", () => {
    const r = (name: string) => prod.one(RELEASE, `genai-mesh-${name}`);
    expect(prod.dependsOn(r("istiod"), r("base"))).toBe(true);
    expect(prod.dependsOn(r("istiod"), r("cni"))).toBe(true);
    expect(prod.dependsOn(r("gateway"), r("istiod"))).toBe(true);
    expect(r("istiod").inputs.values).toMatchObject({ pilot: { replicaCount: 2, cni: { enabled: true } } });
    expect(r("gateway").inputs.values).toMatchObject({
      replicaCount: 3,
      service: { type: "LoadBalancer" },
      podDisruptionBudget: { minAvailable: 2 },
    });
    expect(at(dev.one(RELEASE, "genai-mesh-gateway").inputs, "values", "replicaCount")).toBe(1);
  });

  it("mesh-wide STRICT mTLS, after the CRDs", () => {
    const pa = cr(prod, "PeerAuthentication", "genai-mesh-mtls");
    expect(pa.inputs).toMatchObject({
      metadata: { name: "default", namespace: "istio-system" },
      spec: { mtls: { mode: "STRICT" } },
    });
    expect(prod.dependsOn(pa, prod.one(RELEASE, "genai-mesh-base"))).toBe(true);
  });

  it("the shared Gateway serves HTTPS with a @pulumi/tls certificate by default", () => {
    const gw = cr(prod, "Gateway", "genai-mesh-gateway");
    expect(at(gw.inputs, "spec", "servers", 0)).toMatchObject({
      hosts: ["genai.example.internal"],
      tls: { mode: "SIMPLE", credentialName: "genai-gateway-tls" },
    });
    expect(prod.dependsOn(gw, prod.one(RELEASE, "genai-mesh-base"))).toBe(true);
    expect(
      prod.one("tls:index/selfSignedCert:SelfSignedCert", "genai-mesh-gateway-cert").inputs.dnsNames,
    ).toEqual(["genai.example.internal"]);
    expect(isSecret(prod.one(SECRET, "genai-mesh-gateway-tls"), "stringData", "tls.key")).toBe(true);
    expect(prod.outputs.gateway).toBe("istio-system/genai-gateway");
  });

  it("uses a supplied certificate instead, kept secret", async () => {
    const run = await runProgram("dev", {
      secrets: {
        gatewayTls: {
          certificate: "-----BEGIN CERTIFICATE-----\nsupplied",
          privateKey: "-----BEGIN PRIVATE KEY-----\nk",
        },
      },
    });
    expect(run.all("tls:index/selfSignedCert:SelfSignedCert", "genai-mesh-gateway-cert")).toHaveLength(0);
    const secret = run.one(SECRET, "genai-mesh-gateway-tls");
    expect(isSecret(secret, "stringData")).toBe(true);
    expect(at(secret.inputs, "stringData", "tls.crt")).toContain("supplied");
  });
});

describe("an existing Istio instead of the Mesh component", () => {
  it("reports genai:mesh.existingGateway; the models route through their own Gateway API Gateway", async () => {
    const run = await runProgram("dev", {
      overrides: { mesh: { enabled: false, existingGateway: "ingress/shared-gw" } },
    });
    expect(run.all("genai:cluster:Mesh")).toHaveLength(0);
    expect(run.outputs.gateway).toBe("ingress/shared-gw");
    // The models are routed by their own Gateway API Gateway (an Istio Gateway cannot route by InferencePool).
    const route = run.one("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
    expect(at(route.inputs, "spec", "parentRefs", 0)).toMatchObject({
      kind: "Gateway",
      name: "genai-models",
    });
  });

  it("refuses a malformed reference", async () => {
    await expect(
      runProgram("dev", { overrides: { mesh: { enabled: false, existingGateway: "shared-gw" } } }),
    ).rejects.toThrow(/genai:mesh\.existingGateway: expected <namespace>\/<name>/);
  });
});

describe("Backups", () => {
  it("Velero points at the S3-compatible location from config, credentials in a secret Secret", () => {
    const release = prod.one(RELEASE, "genai-backups-velero");
    expect(release.inputs).toMatchObject({
      chart: "velero",
      version: CHARTS.velero.version,
      namespace: "velero",
    });
    expect(at(release.inputs, "values", "configuration", "backupStorageLocation", 0)).toMatchObject({
      provider: "aws",
      bucket: "genai-backups",
      config: {
        s3Url: "https://minio.backup.example.internal:9000",
        s3ForcePathStyle: "true",
        region: "minio",
      },
    });
    expect(at(release.inputs, "values", "credentials")).toEqual({
      useSecret: true,
      existingSecret: "velero-credentials",
    });
    const creds = prod.one(SECRET, "genai-backups-credentials");
    expect(isSecret(creds, "stringData", "cloud")).toBe(true);
    expect(at(creds.inputs, "stringData", "cloud")).toContain("aws_secret_access_key=fake-secret-key");
    expect(JSON.stringify(release.inputs)).not.toContain("fake-secret-key");
  });

  it("schedules: every 4 hours the workload (volumes included) and observability configs, daily a full backup", () => {
    const velero = prod.one(RELEASE, "genai-backups-velero");
    const spec = (name: string) => {
      const schedule = cr(prod, "Schedule", `genai-backups-${name}`);
      expect(prod.dependsOn(schedule, velero), name).toBe(true);
      return schedule.inputs.spec;
    };
    expect(spec("workload")).toMatchObject({
      schedule: "0 */4 * * *",
      template: { includedNamespaces: ["genai"], defaultVolumesToFsBackup: true },
    });
    expect(spec("observability")).toMatchObject({
      schedule: "0 */4 * * *",
      template: { includedNamespaces: ["monitoring", "logging", "tracing", "istio-system"] },
    });
    expect(at(spec("observability"), "template", "includedResources")).toEqual(
      expect.arrayContaining(["configmaps", "prometheusrules.monitoring.coreos.com"]),
    );
    expect(spec("full")).toMatchObject({
      schedule: "30 1 * * *",
      template: { ttl: "720h", includeClusterResources: true },
    });
  });

  it("is off in dev", () => {
    expect(dev.all("genai:cluster:Backups")).toHaveLength(0);
  });
});
