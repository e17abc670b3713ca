import { beforeAll, describe, expect, it } from "vitest";
import { CHARTS } from "../../../infra/cluster/charts.js";
import { at, CHART, PROD_SECRETS, RELEASE } from "../support/fixtures.js";
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
