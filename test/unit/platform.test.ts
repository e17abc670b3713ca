import { beforeAll, describe, expect, it } from "vitest";
import { PROD_SECRETS } from "./support/fixtures.js";
import { type ProgramRun, runProgram } from "./support/program.js";

const COMPONENTS = {
  gpuOperator: "genai:cluster:GpuOperator",
  monitoring: "genai:cluster:Monitoring",
  logging: "genai:cluster:Logging",
  tracing: "genai:cluster:Tracing",
  mesh: "genai:cluster:Mesh",
  backups: "genai:cluster:Backups",
} as const;

let dev: ProgramRun;
let prod: ProgramRun;

beforeAll(async () => {
  dev = await runProgram("dev");
  prod = await runProgram("prod", { secrets: PROD_SECRETS });
});

describe("GenAIPlatform", () => {
  it("composes every cluster component in prod, and all but the GPU operator and backups in dev", () => {
    for (const type of Object.values(COMPONENTS)) expect(prod.all(type), type).toHaveLength(1);
    expect(dev.all(COMPONENTS.gpuOperator)).toHaveLength(0);
    expect(dev.all(COMPONENTS.backups)).toHaveLength(0);
    for (const key of ["monitoring", "logging", "tracing", "mesh"] as const)
      expect(dev.all(COMPONENTS[key]), key).toHaveLength(1);
  });

  it("every resource sits under the platform and every Kubernetes resource uses the explicit provider", () => {
    for (const run of [dev, prod]) {
      const platform = run.one("genai:platform:GenAIPlatform");
      const provider = run.one("pulumi:providers:kubernetes");
      for (const r of run.resources) {
        if (r === platform) continue;
        expect(run.isDescendant(r, platform), `${r.type} ${r.name}`).toBe(true);
        if (r.custom && r.type.startsWith("kubernetes:"))
          expect(r.provider.startsWith(provider.urn), `${r.type} ${r.name}`).toBe(true);
      }
    }
  });

  it("component children are named after their component", () => {
    for (const component of prod.resources.filter((r) => r.type.startsWith("genai:cluster:"))) {
      for (const child of prod.resources.filter((r) => r.parent === component.urn)) {
        expect(child.name.startsWith(`${component.name}-`), child.name).toBe(true);
      }
    }
  });

  it("exports the endpoints the workload and users need", () => {
    expect(prod.outputs).toMatchObject({
      environment: "prod",
      prometheusUrl: "http://kps-prometheus.monitoring.svc:9090",
      grafanaUrl: "http://grafana.monitoring.svc:80",
      elasticsearchUrl: "https://genai-logs-es-http.logging.svc:9200",
      kibanaUrl: "https://genai-kibana-kb-http.logging.svc:5601",
      jaegerUrl: "http://jaeger.tracing.svc:16686",
      otlpEndpoint: "http://jaeger.tracing.svc:4318",
      gateway: "istio-system/genai-gateway",
    });
  });

  it("Grafana gets the Jaeger datasource when tracing is on", () => {
    const values = prod.one("kubernetes:helm.sh/v3:Release", "genai-monitoring-kps").inputs.values as {
      grafana: { additionalDataSources: unknown };
    };
    expect(values.grafana.additionalDataSources).toEqual([
      {
        name: "Jaeger",
        type: "jaeger",
        uid: "jaeger",
        url: "http://jaeger.tracing.svc:16686",
        access: "proxy",
      },
    ]);
  });

  it("the ci stack runs no chart at all", async () => {
    const run = await runProgram("ci");
    expect(run.resources.filter((r) => r.type.startsWith("kubernetes:helm.sh"))).toHaveLength(0);
    for (const type of Object.values(COMPONENTS)) expect(run.all(type), type).toHaveLength(0);
  });
});

describe("each component switches off cleanly", () => {
  it.each(Object.entries(COMPONENTS))("%s", async (key, type) => {
    const overrides: Record<string, unknown> = { [key]: { enabled: false } };
    // The adapter and the dashboards are part of monitoring; Elasticsearch traces need the logging cluster.
    if (key === "monitoring")
      overrides.monitoring = { enabled: false, adapter: { enabled: false }, dashboards: { enabled: false } };
    if (key === "logging") overrides.tracing = { storage: "memory", replicas: 1 };
    const run = await runProgram("prod", { secrets: PROD_SECRETS, overrides });
    expect(run.all(type)).toHaveLength(0);
    expect(run.all("kubernetes:core/v1:Namespace", `genai-namespaces-${key}`)).toHaveLength(0);
    // Nothing left behind that belonged to it.
    expect(
      run.resources.filter((r) => r.name.startsWith(`genai-${key === "gpuOperator" ? "gpu" : key}-`)),
    ).toHaveLength(0);
    // The rest still stands.
    for (const other of Object.values(COMPONENTS).filter((t) => t !== type))
      expect(run.all(other), other).toHaveLength(1);
  });
});
