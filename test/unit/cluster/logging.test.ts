// infra/cluster/logging: ECK, Elasticsearch, Kibana, Filebeat and the exporter in the platform stacks, and the component alone.
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { CHARTS } from "../../../infra/cluster/charts.js";
import { argsErrorOf, runComponent } from "../support/component.js";
import { dashboardsFile } from "../support/dashboards.js";
import { at, CHART, CONFIGMAP, cr, PROD_SECRETS, RELEASE, SECRET } from "../support/fixtures.js";
import { isSecret, type ProgramRun, runProgram } from "../support/program.js";

let dev: ProgramRun;
let prod: ProgramRun;

beforeAll(async () => {
  dev = await runProgram("dev");
  prod = await runProgram("prod", { secrets: PROD_SECRETS });
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
    const rules = dashboardsFile("rules/platform-services.yaml");
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

describe("Logging alone (infra/cluster/logging with empty Args)", () => {
  it("runs one persistent Elasticsearch node, Kibana and Filebeat of the default version in logging", async () => {
    const run = await runComponent("Logging");
    const es = cr(run, "Elasticsearch", "logging-elasticsearch").inputs;
    expect(at(es, "metadata", "namespace")).toBe("logging");
    expect(at(es, "spec", "version")).toBe("9.2.0");
    expect(at(es, "spec", "nodeSets", 0)).toMatchObject({
      count: 1,
      volumeClaimTemplates: [{ spec: { resources: { requests: { storage: "5Gi" } } } }],
    });
    expect(at(cr(run, "Kibana", "logging-kibana").inputs, "spec", "count")).toBe(1);
    const ilm = JSON.parse(String(at(run.one(CONFIGMAP, "logging-ilm").inputs, "data", "policy.json")));
    expect(at(ilm, "policy", "phases", "delete", "min_age")).toBe("3d");
  });

  it("bad Args raise an InputPropertyError naming the property", async () => {
    const version = await argsErrorOf("Logging", { stackVersion: "latest" });
    expect(version.propertyPath).toBe("stackVersion");
    expect(version.reason).toContain("expected x.y.z");
    const nodes = await argsErrorOf("Logging", { elasticsearch: { nodes: 0 } });
    expect(nodes.propertyPath).toBe("elasticsearch.nodes");
  });
});
