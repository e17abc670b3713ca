// Four defects rendering the pinned charts with the stacks' values showed; each test fails on the old values.
// (The chart suite in test/charts checks the same values against the charts' own values.yaml, schema and CRDs.)
import { beforeAll, describe, expect, it } from "vitest";
import { CHARTS, RENDER_API_VERSIONS, RENDER_KUBE_VERSION } from "../../../infra/cluster/charts.js";
import { CONTROL_PLANE_COMPONENTS } from "../../../infra/cluster/monitoring/index.js";
import { MIG_CONFIG_LABEL } from "../../../infra/cluster/gpuOperator/index.js";
import { at, PROD_SECRETS, RELEASE, RENDERED_CHART } from "../support/fixtures.js";
import { type ProgramRun, runProgram } from "../support/program.js";

const CR = "kubernetes:nfd.k8s-sigs.io/v1alpha1:NodeFeatureRule";
const kpsValues = (run: ProgramRun) => run.one(RELEASE, "genai-monitoring-kps").inputs.values;

let dev: ProgramRun;
let prod: ProgramRun;
beforeAll(async () => {
  dev = await runProgram("dev");
  prod = await runProgram("prod", { secrets: PROD_SECRETS });
});

describe("MIG: the profile is a node label, not the ClusterPolicy default", () => {
  it("migManager.config.default stays all-disabled; a NodeFeatureRule labels the GPU nodes with the profile", async () => {
    const run = await runProgram("prod", {
      secrets: PROD_SECRETS,
      overrides: { gpuOperator: { sharing: { mode: "mig", migConfig: "all-3g.40gb" } } },
    });
    const release = run.one(RELEASE, "genai-gpu-operator");
    expect(at(release.inputs.values, "migManager")).toEqual({
      enabled: true,
      config: { default: "all-disabled" },
    });
    const rule = run.one(CR, "genai-gpu-mig-config");
    expect(at(rule.inputs, "spec", "rules", 0, "labels")).toEqual({ [MIG_CONFIG_LABEL]: "all-3g.40gb" });
    expect(at(rule.inputs, "spec", "rules", 0, "matchFeatures", 0)).toEqual({
      feature: "pci.device",
      matchExpressions: { vendor: { op: "In", value: ["10de"] } },
    });
    // Its CRD comes with the operator's chart.
    expect(run.dependsOn(rule, release)).toBe(true);
  });

  it("no NodeFeatureRule without MIG", () => {
    expect(prod.all(CR)).toHaveLength(0);
  });
});

describe("render-only mode renders for a stated Kubernetes version and API set", () => {
  const render = (charts: Record<string, unknown>) =>
    runProgram("prod", {
      secrets: PROD_SECRETS,
      overrides: {
        kubernetes: { renderYamlToDirectory: "out/yaml" },
        charts: { localDir: "/srv/charts", ...charts },
        gpuOperator: { enabled: true },
      },
    });

  it("every chart gets the default version and the aggregation + Prometheus Operator APIs", async () => {
    const run = await render({});
    const rendered = run.all(RENDERED_CHART);
    expect(rendered.map((r) => r.name).sort()).toEqual(
      [
        "eck-operator",
        "es-exporter",
        "gpu-operator",
        "istio-base",
        "istio-cni",
        "istio-ingressgateway",
        "istiod",
        "kps",
        "prometheus-adapter",
        "velero",
        // The model gateway: body-based routing, a picker per chat model and track (the embeddings model's pool
        // is a Service), the VPA recommender.
        "genai-inference-gateway-bbr",
        "genai-inference-smollm2-chat-canary",
        "genai-inference-smollm2-chat-stable",
        "vpa",
      ].sort(),
    );
    for (const chart of rendered) {
      expect(chart.inputs.kubeVersion, chart.name).toBe(RENDER_KUBE_VERSION);
      expect(chart.inputs.apiVersions, chart.name).toEqual([...RENDER_API_VERSIONS]);
    }
    expect(RENDER_API_VERSIONS).toContain("apiregistration.k8s.io/v1");
    expect(RENDER_API_VERSIONS).toContain("monitoring.coreos.com/v1");
    // The version satisfies every pinned chart's kubeVersion constraint that made the v1.20 default fail.
    expect(Number(RENDER_KUBE_VERSION.split(".")[1])).toBeGreaterThanOrEqual(25);
    expect(run.one(RENDERED_CHART, "kps").inputs.path).toBe(
      `/srv/charts/kube-prometheus-stack-${CHARTS.kubePrometheusStack.version}.tgz`,
    );
  });

  it("genai:charts.kubeVersion overrides it, and a malformed one is refused naming the key", async () => {
    const run = await render({ kubeVersion: "1.31.4" });
    for (const chart of run.all(RENDERED_CHART)) expect(chart.inputs.kubeVersion, chart.name).toBe("1.31.4");
    await expect(render({ kubeVersion: "latest" })).rejects.toThrow(/charts\.kubeVersion/);
  });
});

describe("kube-prometheus-stack: control-plane monitors", () => {
  it("are off by default (managed control planes cannot be scraped; their ...Down alerts would page forever)", () => {
    for (const run of [dev, prod])
      for (const component of CONTROL_PLANE_COMPONENTS)
        expect(at(kpsValues(run), component), component).toEqual({ enabled: false });
  });

  it("genai:monitoring.controlPlaneMonitors turns them on", async () => {
    const run = await runProgram("dev", { overrides: { monitoring: { controlPlaneMonitors: true } } });
    for (const component of ["kubeControllerManager", "kubeScheduler", "kubeProxy", "kubeEtcd"])
      expect(at(kpsValues(run), component), component).toEqual({ enabled: true });
  });
});

describe("Grafana with a ReadWriteOnce volume is replaced, not rolled", () => {
  it("prod (persistent): Recreate, so an upgrade never waits on a Multi-Attach of the old pod's volume", () => {
    expect(at(kpsValues(prod), "grafana", "persistence", "enabled")).toBe(true);
    expect(at(kpsValues(prod), "grafana", "deploymentStrategy")).toEqual({ type: "Recreate" });
  });

  it("dev (no volume): the chart's rolling update", () => {
    expect(at(kpsValues(dev), "grafana", "persistence", "enabled")).toBe(false);
    expect(at(kpsValues(dev), "grafana", "deploymentStrategy")).toBeUndefined();
  });
});
