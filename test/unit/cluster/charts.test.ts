import { beforeAll, describe, expect, it } from "vitest";
import { CHARTS } from "../../../infra/cluster/charts.js";
import { CHART, PROD_SECRETS, RELEASE, RENDERED_CHART } from "../support/fixtures.js";
import { type ProgramRun, type RecordedResource, runProgram } from "../support/program.js";

let prod: ProgramRun;

beforeAll(async () => {
  prod = await runProgram("prod", { secrets: PROD_SECRETS });
});

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
      // One endpoint picker per chat model and track (stable + canary); the embeddings model has none (its pool is
      // a Service: the v1.0.1 picker refuses embeddings bodies).
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
