import { beforeAll, describe, expect, it } from "vitest";
import { argsErrorOf, runComponent } from "../support/component.js";
import { CHARTS } from "../../../infra/cluster/charts.js";
import { dashboardsFile } from "../support/dashboards.js";
import { at, CHART, CONFIGMAP, PROD_SECRETS, RELEASE } from "../support/fixtures.js";
import { isSecret, type ProgramRun, runProgram } from "../support/program.js";

const WEBHOOKS = { critical: "https://hooks.example/critical", escalation: "https://hooks.example/page" };
let dev: ProgramRun;
let prod: ProgramRun;

beforeAll(async () => {
  dev = await runProgram("dev");
  prod = await runProgram("prod", { secrets: { ...PROD_SECRETS, alertWebhooks: WEBHOOKS } });
});

const kps = (run: ProgramRun) => run.one(RELEASE, "genai-monitoring-kps");
const values = (run: ProgramRun) => kps(run).inputs.values;

describe("kube-prometheus-stack", () => {
  it("is the pinned chart from its repository, in the monitoring namespace", () => {
    expect(kps(prod).inputs).toMatchObject({
      chart: "kube-prometheus-stack",
      version: CHARTS.kubePrometheusStack.version,
      repositoryOpts: { repo: CHARTS.kubePrometheusStack.repo },
      namespace: "monitoring",
      atomic: true,
    });
  });

  it("Prometheus: small and ephemeral in dev, HA with retention and persistent storage in prod", () => {
    expect(at(values(dev), "prometheus", "prometheusSpec")).toMatchObject({
      replicas: 1,
      retention: "3d",
      podAntiAffinity: "",
    });
    expect(at(values(dev), "prometheus", "prometheusSpec", "storageSpec")).toBeUndefined();
    expect(at(values(prod), "prometheus", "prometheusSpec")).toMatchObject({
      replicas: 2,
      retention: "30d",
      retentionSize: "180GB",
      podAntiAffinity: "hard",
      storageSpec: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "200Gi" } } } } },
    });
  });

  it("Prometheus selects every ServiceMonitor and rule, not only the chart's", () => {
    expect(at(values(dev), "prometheus", "prometheusSpec")).toMatchObject({
      serviceMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
    });
  });

  it("Alertmanager routes critical, warning and info, and escalates critical alerts still firing", () => {
    const config = at(values(prod), "alertmanager", "config");
    const routes = at(config, "route", "routes") as {
      receiver: string;
      matchers: string[];
      group_wait?: string;
      continue?: boolean;
    }[];
    const byReceiver = Object.fromEntries(routes.map((r) => [r.receiver, r]));
    expect(byReceiver.critical).toMatchObject({ matchers: ['severity = "critical"'], continue: true });
    expect(byReceiver.escalation).toMatchObject({ matchers: ['severity = "critical"'], group_wait: "30m" });
    expect(byReceiver.warning?.matchers).toEqual(['severity = "warning"']);
    expect(byReceiver.info?.matchers).toEqual(['severity = "info"']);
    expect(at(values(prod), "alertmanager", "alertmanagerSpec", "replicas")).toBe(3);
  });

  it("webhook URLs stay in a secret Secret, read through url_file", () => {
    const secret = prod.one("kubernetes:core/v1:Secret", "genai-monitoring-alert-webhooks");
    expect(isSecret(secret, "stringData")).toBe(true);
    expect(secret.inputs.stringData).toEqual(WEBHOOKS);
    const receivers = at(values(prod), "alertmanager", "config", "receivers") as {
      name: string;
      webhook_configs?: unknown[];
    }[];
    const critical = receivers.find((r) => r.name === "critical");
    expect(critical?.webhook_configs).toEqual([
      { url_file: "/etc/alertmanager/secrets/alertmanager-webhooks/critical", send_resolved: true },
    ]);
    expect(receivers.find((r) => r.name === "warning")?.webhook_configs).toBeUndefined();
    expect(JSON.stringify(values(prod))).not.toContain("hooks.example");
    expect(dev.all("kubernetes:core/v1:Secret", "genai-monitoring-alert-webhooks")).toHaveLength(0);
  });

  it("Grafana: admin password from @pulumi/random as a secret, dashboard sidecar on label grafana_dashboard=1", () => {
    const admin = dev.one("kubernetes:core/v1:Secret", "genai-monitoring-grafana-admin");
    expect(isSecret(admin, "stringData", "admin-password")).toBe(true);
    expect(
      dev.one("random:index/randomPassword:RandomPassword", "genai-monitoring-grafana-admin").inputs.length,
    ).toBe(32);
    expect(at(values(dev), "grafana")).toMatchObject({
      admin: { existingSecret: "grafana-admin", passwordKey: "admin-password" },
      sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1" } },
      persistence: { enabled: false },
    });
    expect(at(values(prod), "grafana", "persistence", "enabled")).toBe(true);
    expect(dev.outputs.grafanaAdminPassword).toBe("mock-genai-monitoring-grafana-admin-value");
  });
});

describe("prometheus-adapter", () => {
  it("serves genai_requests_waiting per pod, against the installed Prometheus, after the stack", () => {
    const adapter = prod.one(CHART, "genai-monitoring-adapter");
    expect(adapter.inputs).toMatchObject({
      chart: "prometheus-adapter",
      version: CHARTS.prometheusAdapter.version,
    });
    expect(at(adapter.inputs, "values", "prometheus")).toEqual({
      url: "http://kps-prometheus.monitoring.svc",
      port: 9090,
      path: "",
    });
    const rule = at(adapter.inputs, "values", "rules", "custom", 0);
    expect(rule).toMatchObject({
      seriesQuery: 'genai_requests_waiting{namespace!="",pod!=""}',
      resources: { overrides: { pod: { resource: "pod" }, namespace: { resource: "namespace" } } },
      name: { as: "genai_requests_waiting" },
    });
    expect(prod.dependsOn(adapter, kps(prod))).toBe(true);
    expect(at(adapter.inputs, "values", "replicas")).toBe(2);
  });

  it("can run alone against an existing Prometheus", async () => {
    const run = await runProgram("dev", {
      overrides: { monitoring: { enabled: false, prometheusUrl: "http://prom.ops.svc:9090/prom" } },
    });
    expect(run.all(RELEASE, "genai-monitoring-kps")).toHaveLength(0);
    expect(at(run.one(CHART, "genai-monitoring-adapter").inputs, "values", "prometheus")).toEqual({
      url: "http://prom.ops.svc",
      port: 9090,
      path: "/prom",
    });
    expect(run.outputs.prometheusUrl).toBe("http://prom.ops.svc:9090/prom");
  });

  it("monitoring off entirely leaves no trace", async () => {
    const run = await runProgram("dev", {
      overrides: {
        monitoring: { enabled: false, adapter: { enabled: false }, dashboards: { enabled: false } },
      },
    });
    expect(run.all("genai:cluster:Monitoring")).toHaveLength(0);
    expect(run.all("kubernetes:core/v1:Namespace", "genai-namespaces-monitoring")).toHaveLength(0);
    expect(run.outputs.prometheusUrl).toBeUndefined();
  });
});

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
    const rules = dashboardsFile("rules/genai-inference.yaml");
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

describe("Monitoring alone (infra/cluster/monitoring with empty Args)", () => {
  it("installs kube-prometheus-stack and the adapter in monitoring with the dev-safe defaults", async () => {
    const run = await runComponent("Monitoring");
    const stack = run.one(RELEASE, "monitoring-kps").inputs;
    expect(stack.namespace).toBe("monitoring");
    expect(at(stack.values, "prometheus", "prometheusSpec")).toMatchObject({
      replicas: 1,
      retention: "3d",
      retentionSize: "8GB",
      resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "2Gi" } },
    });
    expect(at(stack.values, "prometheus", "prometheusSpec", "storageSpec")).toBeUndefined();
    expect(at(stack.values, "alertmanager", "alertmanagerSpec", "replicas")).toBe(1);
    expect(at(run.one(CHART, "monitoring-adapter").inputs, "values", "replicas")).toBe(1);
  });

  it("merges partial Args over the defaults, key by key", async () => {
    const run = await runComponent("Monitoring", { prometheus: { replicas: 2 } });
    const spec = at(run.one(RELEASE, "monitoring-kps").inputs, "values", "prometheus", "prometheusSpec");
    expect(spec).toMatchObject({ replicas: 2, retention: "3d", podAntiAffinity: "hard" });
  });

  it("bad Args raise an InputPropertyError naming the property", async () => {
    const replicas = await argsErrorOf("Monitoring", { prometheus: { replicas: 0 } });
    expect(replicas.propertyPath).toBe("prometheus.replicas");
    expect(replicas.reason).toContain("Monitoring monitoring: prometheus.replicas:");
    const unknown = await argsErrorOf("Monitoring", { grafana: { persistence: true } });
    expect(unknown.propertyPath).toBe("grafana");
    expect(unknown.reason).toContain('unknown key(s) "persistence"');
    const url = await argsErrorOf("Monitoring", { installStack: false });
    expect(url.propertyPath).toBe("prometheusUrl");
  });
});
