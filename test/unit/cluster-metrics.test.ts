/**
 * The cluster components feed the series dashboards/ and dashboards/rules/ read: kube-state-metrics labels, the
 * Grafana folder annotation, DCGM fields and labels, the Elasticsearch exporter, Velero's ServiceMonitor.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { CHARTS } from "../../infra/cluster/charts.js";
import { at, CHART, PROD_SECRETS, RELEASE } from "./support/fixtures.js";
import { type ProgramRun, runProgram } from "./support/program.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";

let dev: ProgramRun;
let prod: ProgramRun;

beforeAll(async () => {
  dev = await runProgram("dev");
  prod = await runProgram("prod", { secrets: PROD_SECRETS });
});

/** Every file under dashboards/ (JSON dashboards and rule YAML), concatenated. */
function dashboardsText(dir = path.join(ROOT, "dashboards")): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((e) => {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) return e.name === "node_modules" ? "" : dashboardsText(file);
      return /\.(json|ya?ml)$/.test(e.name) ? readFileSync(file, "utf8") : "";
    })
    .join("\n");
}

/** `label_<name>` matchers and `group_left (...)` labels the rules take from `kube_<kind>_labels`. */
function kubeLabelsUsed(rules: string, kind: string): Set<string> {
  const used = new Set<string>();
  for (const m of rules.matchAll(new RegExp(`kube_${kind}_labels\\{([^}]*)\\}`, "g")))
    for (const l of (m[1] ?? "").matchAll(/label_(\w+)\s*=/g)) used.add(l[1] ?? "");
  for (const m of rules.matchAll(/group_left\s*\(([^)]*)\)\s*\n?\s*kube_(\w+)_labels/g))
    if (m[2] === kind) for (const l of (m[1] ?? "").split(",")) used.add(l.trim().replace(/^label_/, ""));
  return used;
}

/** kube-state-metrics' label name for a Kubernetes label key (`app.kubernetes.io/name` -> `app_kubernetes_io_name`). */
const ksmName = (key: string) => key.replace(/[^a-zA-Z0-9_]/g, "_");

describe("kube-state-metrics and Grafana (kube-prometheus-stack values)", () => {
  const values = (run: ProgramRun) => run.one(RELEASE, "genai-monitoring-kps").inputs.values;

  it("exports every Deployment and Pod label the inference alerts join on", () => {
    const rules = readFileSync(path.join(ROOT, "dashboards/rules/genai-inference.yaml"), "utf8");
    const allowlist = at(values(dev), "kube-state-metrics", "metricLabelsAllowlist") as string[];
    expect(allowlist).toBeDefined();
    for (const [kind, resource] of [
      ["deployment", "deployments"],
      ["pod", "pods"],
    ] as const) {
      const entry = allowlist.find((e) => e.startsWith(`${resource}=[`));
      expect(entry, resource).toBeDefined();
      const allowed = (entry ?? "")
        .slice(resource.length + 2, -1)
        .split(",")
        .map(ksmName);
      const used = kubeLabelsUsed(rules, kind);
      expect(used.size, kind).toBeGreaterThan(0);
      for (const label of used) expect(allowed, `${kind}: label_${label}`).toContain(label);
    }
  });

  it("the dashboard sidecar files dashboards into the folder infra/observability annotates", () => {
    const configMaps = prod
      .all(CONFIGMAP)
      .filter((c) => at(c.inputs, "metadata", "labels", "grafana_dashboard"));
    expect(configMaps.length).toBeGreaterThan(0);
    const annotations = new Set(
      configMaps.flatMap((c) => Object.keys((at(c.inputs, "metadata", "annotations") as object) ?? {})),
    );
    const sidecar = at(values(prod), "grafana", "sidecar", "dashboards") as Record<string, unknown>;
    expect(annotations).toContain(sidecar.folderAnnotation);
    // The annotation only takes effect with folders from the file structure.
    expect(sidecar.provider).toEqual({ foldersFromFilesStructure: true });
  });
});

describe("DCGM exporter (gpu-operator values)", () => {
  const release = () => prod.one(RELEASE, "genai-gpu-operator");

  it("collects every DCGM field a dashboard or rule names, from a ConfigMap the chart points at", () => {
    const used = new Set(dashboardsText().match(/DCGM_FI_[A-Z0-9_]+/g));
    expect(used).toContain("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL");
    const config = prod.one(CONFIGMAP, "genai-gpu-dcgm-metrics");
    const csv = String(at(config.inputs, "data", "dcgm-metrics.csv"));
    const fields = csv
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"))
      .map((l) => l.split(",").map((c) => c.trim()));
    for (const f of fields) expect(f, f.join(",")).toHaveLength(3);
    expect(fields.find((f) => f[0] === "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL")?.[1]).toBe("counter");
    for (const name of used)
      expect(
        fields.map((f) => f[0]),
        name,
      ).toContain(name);

    const dcgm = at(release().inputs, "values", "dcgmExporter") as Record<string, unknown>;
    expect(dcgm.config).toEqual({ name: at(config.inputs, "metadata", "name") });
    expect(dcgm.env).toContainEqual({
      name: "DCGM_EXPORTER_COLLECTORS",
      value: "/etc/dcgm-exporter/dcgm-metrics.csv",
    });
    expect(dcgm.env).toContainEqual({ name: "DCGM_EXPORTER_KUBERNETES", value: "true" });
    expect(prod.dependsOn(release(), config)).toBe(true);
  });

  it("its ServiceMonitor keeps the exporter's pod labels (honorLabels) for per-pod GPU panels", () => {
    expect(at(release().inputs, "values", "dcgmExporter", "serviceMonitor")).toEqual({
      enabled: true,
      honorLabels: true,
    });
  });

  it("no ConfigMap when the exporter is off", async () => {
    const run = await runProgram("prod", {
      secrets: PROD_SECRETS,
      overrides: { gpuOperator: { dcgmExporter: false } },
    });
    expect(run.all(CONFIGMAP, "genai-gpu-dcgm-metrics")).toHaveLength(0);
    expect(at(run.one(RELEASE, "genai-gpu-operator").inputs, "values", "dcgmExporter", "enabled")).toBe(
      false,
    );
  });
});

describe("Elasticsearch exporter (Logging)", () => {
  const exporter = (run: ProgramRun) => run.one(CHART, "genai-logging-exporter");

  it("scrapes the ECK cluster over HTTPS as the generated elastic user, with a ServiceMonitor", () => {
    const chart = exporter(prod);
    expect(chart.inputs).toMatchObject({
      chart: CHARTS.elasticsearchExporter.chart,
      version: CHARTS.elasticsearchExporter.version,
      repositoryOpts: { repo: CHARTS.elasticsearchExporter.repo },
      namespace: "logging",
    });
    const values = chart.inputs.values as Record<string, unknown>;
    expect(at(values, "es", "uri")).toBe("https://genai-logs-es-http.logging.svc:9200");
    expect(at(values, "es", "all")).toBe(true);
    expect(at(values, "es", "ssl")).toMatchObject({ enabled: true, useExistingSecrets: true });
    const caPath = String(at(values, "es", "ssl", "ca", "path"));
    const mount = (values.secretMounts as { secretName: string; path: string }[])[0];
    expect(mount?.secretName).toBe("genai-logs-http-tls");
    expect(caPath).toBe(`${mount?.path}/ca.crt`);
    expect(values.extraEnvSecrets).toEqual({
      ES_PASSWORD: { secret: "genai-logs-es-elastic-user", key: "elastic" },
    });
    expect(at(values, "serviceMonitor", "enabled")).toBe(true);
    // The ServiceMonitor needs the monitoring CRDs; the elastic user Secret needs the cluster.
    expect(prod.dependsOn(chart, prod.one(RELEASE, "genai-monitoring-kps"))).toBe(true);
    const es = prod.resources.find((r) => r.name === "genai-logging-elasticsearch");
    expect(es && prod.dependsOn(chart, es)).toBe(true);
  });

  it("feeds the series every Elasticsearch alert reads (cluster health and node filesystems)", () => {
    const rules = readFileSync(path.join(ROOT, "dashboards/rules/platform-services.yaml"), "utf8");
    const series = new Set(rules.match(/elasticsearch_[a-z_]+/g));
    expect(series.size).toBeGreaterThan(0);
    // elasticsearch_cluster_health_* are always collected; elasticsearch_filesystem_* need --es.all (every node).
    const needsAll = [...series].some((s) => s.startsWith("elasticsearch_filesystem_"));
    if (needsAll) expect(at(exporter(dev).inputs, "values", "es", "all")).toBe(true);
  });

  it("no ServiceMonitor without monitoring; nothing without logging", async () => {
    const noMonitoring = await runProgram("dev", {
      overrides: { monitoring: { enabled: false, adapter: { enabled: false } } },
    });
    expect(at(exporter(noMonitoring).inputs, "values", "serviceMonitor", "enabled")).toBe(false);
    const noLogging = await runProgram("dev", {
      overrides: { logging: { enabled: false }, tracing: { storage: "memory" } },
    });
    expect(noLogging.all(CHART, "genai-logging-exporter")).toHaveLength(0);
  });
});

describe("Velero metrics (Backups)", () => {
  const serviceMonitor = (run: ProgramRun) =>
    at(run.one(RELEASE, "genai-backups-velero").inputs, "values", "metrics", "serviceMonitor", "enabled");

  it("its ServiceMonitor is on when monitoring is, off otherwise", async () => {
    expect(serviceMonitor(prod)).toBe(true);
    const run = await runProgram("prod", {
      secrets: PROD_SECRETS,
      overrides: { monitoring: { enabled: false, adapter: { enabled: false } } },
    });
    expect(serviceMonitor(run)).toBe(false);
  });
});
