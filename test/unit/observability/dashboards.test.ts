// Dashboards and AlertRules under Pulumi mocks: what the platform deploys in each stack, and what the
// components do with their arguments and with broken files.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readDashboards, readRuleFiles, resolveRunbookUrl } from "../../../infra/observability/index.js";
import { at, PROD_SECRETS, RELEASE } from "../support/fixtures.js";
import { type ProgramRun, type RecordedResource, runProgram } from "../support/program.js";

const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
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

const PROGRAM = "test/unit/support/observabilityProgram.ts";

/** Runs the observability-only program with `observability` as its args; returns what it registered. */
async function components(observability: Record<string, unknown>): Promise<RecordedResource[]> {
  const run = await runProgram("dev", {
    program: PROGRAM,
    ignoreStackFile: true,
    overrides: { observability },
  });
  return [...run.resources];
}

describe("AlertRules", () => {
  it("resolves repository-relative runbook links against runbookBaseUrl and adds the selector labels", async () => {
    const resources = await components({
      rules: {
        namespace: "genai",
        labels: { release: "kps" },
        runbookBaseUrl: "https://git.example.com/genai/-/blob/main/",
      },
    });
    const rules = resources.filter((r) => r.type === PROMETHEUS_RULE);
    expect(rules).toHaveLength(ruleFiles.length);
    const urls = rules.flatMap((r) =>
      (at(r.inputs, "spec", "groups") as { rules: { annotations?: { runbook_url?: string } }[] }[]).flatMap(
        (g) => g.rules.flatMap((rule) => rule.annotations?.runbook_url ?? []),
      ),
    );
    expect(urls.length).toBeGreaterThan(20);
    for (const url of urls) {
      expect(url).toMatch(/^https:\/\/git\.example\.com\/genai\/-\/blob\/main\/docs\/runbooks\.md#\w+$/);
    }
    for (const r of rules) expect(at(r.inputs, "metadata", "labels", "release")).toBe("kps");
  });

  it("keeps absolute runbook links and links without a base", () => {
    expect(resolveRunbookUrl("https://wiki/x", "https://git/y")).toBe("https://wiki/x");
    expect(resolveRunbookUrl("docs/runbooks.md#a", undefined)).toBe("docs/runbooks.md#a");
    expect(resolveRunbookUrl("docs/runbooks.md#a", "https://git/repo/")).toBe(
      "https://git/repo/docs/runbooks.md#a",
    );
  });

  it("rejects a runbookBaseUrl that is not http(s)", async () => {
    await expect(
      components({ rules: { namespace: "genai", runbookBaseUrl: "git.example.com" } }),
    ).rejects.toThrow(/runbookBaseUrl: must be an http\(s\) URL/);
  });

  it("names the file of a rule file that is not in Prometheus' format", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rules-"));
    writeFileSync(join(dir, "broken.yaml"), "groups:\n  - name: x\n    rules:\n      - expr: up\n");
    await expect(components({ rules: { namespace: "n", directory: dir } })).rejects.toThrow(
      /broken\.yaml: not a Prometheus rule file/,
    );
    // A `for` the PrometheusRule CRD would reject at apply time fails at preview already.
    const slow = mkdtempSync(join(tmpdir(), "rules-"));
    writeFileSync(
      join(slow, "slow.yaml"),
      "groups:\n  - name: x\n    rules:\n      - alert: A\n        expr: up\n        for: 5 minutes\n",
    );
    await expect(components({ rules: { namespace: "n", directory: slow } })).rejects.toThrow(
      /slow\.yaml: .*groups\.0\.rules\.0.*/,
    );
  });
});

describe("Dashboards", () => {
  it("labels the ConfigMaps for the sidecar, keeps extra labels and sets the folder", async () => {
    const resources = await components({
      dashboards: { namespace: "obs", folder: "LLM", labels: { team: "ml" } },
    });
    const maps = resources.filter((r) => r.type === CONFIGMAP);
    expect(maps).toHaveLength(dashboardFiles.length);
    for (const map of maps) {
      expect(at(map.inputs, "metadata", "labels")).toMatchObject({ grafana_dashboard: "1", team: "ml" });
      expect(at(map.inputs, "metadata", "annotations", "grafana_folder")).toBe("LLM");
      expect(at(map.inputs, "metadata", "namespace")).toBe("obs");
    }
  });

  it("names the file of a dashboard that is not valid JSON, and refuses an empty directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dash-"));
    await expect(components({ dashboards: { namespace: "n", directory: dir } })).rejects.toThrow(
      /no dashboard \*\.json file found/,
    );
    writeFileSync(join(dir, "bad.json"), "{ not json");
    await expect(components({ dashboards: { namespace: "n", directory: dir } })).rejects.toThrow(
      /bad\.json: not valid JSON/,
    );
  });
});
