// infra/observability as the platform composes it: the rules and dashboards each stack deploys.
import { beforeAll, describe, expect, it } from "vitest";
import { readDashboards, readRuleFiles } from "../../../infra/observability/index.js";
import { at, CONFIGMAP, PROD_SECRETS, PROMETHEUS_RULE, RELEASE } from "../support/fixtures.js";
import { type ProgramRun, type RecordedResource, runProgram } from "../support/program.js";

const dashboardFiles = readDashboards();
const ruleFiles = readRuleFiles();

function dashboardConfigMaps(run: ProgramRun): RecordedResource[] {
  return run.all(CONFIGMAP).filter((r) => at(r.inputs, "metadata", "labels", "grafana_dashboard") === "1");
}
describe.each(["dev", "prod"] as const)("platform %s stack", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack, stack === "prod" ? { secrets: PROD_SECRETS } : {});
  });

  it("provisions every dashboard as a sidecar ConfigMap in the monitoring namespace", () => {
    const maps = dashboardConfigMaps(run);
    expect(maps.map((m) => at(m.inputs, "metadata", "name")).sort()).toEqual(
      dashboardFiles.map((f) => `genai-dashboard-${f.name}`).sort(),
    );
    for (const file of dashboardFiles) {
      const map = maps.find((m) => at(m.inputs, "metadata", "name") === `genai-dashboard-${file.name}`);
      expect(at(map?.inputs, "metadata", "namespace")).toBe("monitoring");
      expect(at(map?.inputs, "data", `${file.name}.json`)).toBe(file.json);
    }
  });

  it("deploys every rule file as a PrometheusRule in the workload namespace after the monitoring chart", () => {
    const rules = run.all(PROMETHEUS_RULE);
    expect(rules.map((r) => at(r.inputs, "metadata", "name")).sort()).toEqual(
      ruleFiles.map((f) => f.name).sort(),
    );
    const chart = run.all(RELEASE).find((r) => r.name.endsWith("-kps"));
    expect(chart, "kube-prometheus-stack release").toBeDefined();
    for (const file of ruleFiles) {
      const rule = rules.find((r) => at(r.inputs, "metadata", "name") === file.name);
      expect(at(rule?.inputs, "metadata", "namespace")).toBe("genai");
      expect(at(rule?.inputs, "spec", "groups")).toEqual(file.groups);
      if (rule && chart) expect(run.dependsOn(rule, chart), file.name).toBe(true);
    }
  });

  it("builds both components with the platform's explicit provider", () => {
    const provider = run.one("pulumi:providers:kubernetes");
    expect(run.all("genai:observability:Dashboards")).toHaveLength(1);
    expect(run.all("genai:observability:AlertRules")).toHaveLength(1);
    for (const r of [...dashboardConfigMaps(run), ...run.all(PROMETHEUS_RULE)]) {
      expect(r.provider.startsWith(provider.urn), r.name).toBe(true);
    }
  });
});

describe("platform ci stack (no monitoring chart)", () => {
  it("still deploys the rules next to the ServiceMonitor, and the dashboards for an existing Grafana", async () => {
    const run = await runProgram("ci");
    expect(run.all(PROMETHEUS_RULE)).toHaveLength(ruleFiles.length);
    const maps = dashboardConfigMaps(run);
    expect(maps).toHaveLength(dashboardFiles.length);
    for (const map of maps) expect(at(map.inputs, "metadata", "namespace")).toBe("monitoring");
    expect(run.all("kubernetes:core/v1:Namespace").map((n) => at(n.inputs, "metadata", "name"))).toContain(
      "monitoring",
    );
  });

  it("provisions no dashboards when genai:monitoring.dashboards.enabled is false", async () => {
    const run = await runProgram("ci", { overrides: { monitoring: { dashboards: { enabled: false } } } });
    expect(dashboardConfigMaps(run)).toEqual([]);
    expect(run.all(PROMETHEUS_RULE)).toHaveLength(ruleFiles.length);
  });
});
