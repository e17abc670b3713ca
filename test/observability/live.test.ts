/**
 * Dashboards and rules against the real server on the real model (no fake /metrics):
 *  1. every genai_* metric a dashboard or rule names is exported by the server after real traffic;
 *  2. a real Prometheus scrapes the server under load with the rule files loaded, and every dashboard
 *     query and every recording rule returns data through the HTTP API.
 * The same server is scraped twice, labelled as the stable and the canary track (what the ServiceMonitor's
 * podTargetLabels do for two Deployments), so the per-track and canary-vs-stable expressions have both sides.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRuleFiles } from "../../infra/observability/files.js";
import { startTestServer, type TestServer } from "../inference/support/server.js";
import { hasFiniteValue, startPrometheus, type RunningPrometheus } from "./support/prometheus.js";
import {
  allExpressions,
  checkMetricName,
  dashboardExpressions,
  genaiMetricNames,
  metricFamilies,
  metricsWithPrefix,
  ruleExpressions,
  runnableQuery,
} from "./support/promql.js";
import { runTraffic, type TrafficSummary } from "./support/traffic.js";

/**
 * Exporters this test does not run: GPU (DCGM, and the recorded gpu:* series built from it), kube-state-metrics,
 * Elasticsearch and Velero. Queries reading them must still be accepted by Prometheus, but need not return
 * data here; promtool unit tests (dashboards/rules/tests) cover their rules with synthetic series.
 */
const EXEMPT_PREFIXES = ["DCGM_", "gpu:", "kube_", "elasticsearch_", "velero_"] as const;
/** What Grafana's $__rate_interval and $__range become: it spans the whole traffic run. */
const WINDOW = "1m";
const TRAFFIC_MS = 25_000;

const keys = {
  steady: `sk-a-${randomBytes(12).toString("hex")}`,
  burst: `sk-b-${randomBytes(12).toString("hex")}`,
};
let server: TestServer;
let prometheus: RunningPrometheus;
let traffic: TrafficSummary;
let exposition: string;

beforeAll(async () => {
  // Requests/minute high enough for the steady tenant's pace, below the burst tenant's 16 at once.
  server = await startTestServer({
    API_KEYS: `team-a:${keys.steady},team-b:${keys.burst}`,
    RATE_LIMIT_RPM: "12",
  });
  const address = new URL(server.url).host;
  const target = (track: string) => ({
    address,
    labels: { namespace: "genai", service: "genai-inference", pod: `genai-inference-${track}-0`, track },
  });
  prometheus = await startPrometheus({
    targets: [target("stable"), target("canary")],
    ruleFiles: readRuleFiles().map((file) => file.path),
  });
  traffic = await runTraffic(server.url, keys, TRAFFIC_MS);
  exposition = await (await fetch(`${server.url}/metrics`)).text();
  // Two more scrapes and rule evaluations after the last request.
  await new Promise((r) => setTimeout(r, 3_000));
}, 240_000);

afterAll(async () => {
  await prometheus?.close();
  await server?.close();
});

describe("real traffic", () => {
  it("was served, rejected as bad input, and rate limited", () => {
    expect(traffic.byStatus[200] ?? 0, JSON.stringify(traffic.byStatus)).toBeGreaterThan(10);
    expect(traffic.byStatus[400] ?? 0, JSON.stringify(traffic.byStatus)).toBeGreaterThan(0);
    expect(traffic.byStatus[429] ?? 0, JSON.stringify(traffic.byStatus)).toBeGreaterThan(0);
  });
});

describe("metric names in dashboards and rules", () => {
  it("the checker catches a misspelt metric and a wrong histogram suffix", () => {
    const families = metricFamilies(exposition);
    expect(checkMetricName("genai_request_duration_second_bucket", families)).toMatch(/not exported/);
    expect(checkMetricName("genai_requests_total_bucket", families)).toMatch(/is a counter/);
    expect(checkMetricName("genai_request_duration_seconds_bucket", families)).toBeUndefined();
  });

  it("every genai_* metric named in a dashboard or rule is exported by the running server", () => {
    const families = metricFamilies(exposition);
    const problems = allExpressions().flatMap((e) =>
      genaiMetricNames(e.expr).flatMap((name) => {
        const problem = checkMetricName(name, families);
        return problem ? [`${e.source}: ${problem}`] : [];
      }),
    );
    expect(problems).toEqual([]);
  });

  it("every genai_* metric the server exports is shown or alerted on somewhere", () => {
    const used = new Set(
      allExpressions().flatMap((e) =>
        genaiMetricNames(e.expr).map((n) => n.replace(/_(bucket|sum|count)$/, "")),
      ),
    );
    const exported = [...metricFamilies(exposition).keys()].filter((name) => name.startsWith("genai_"));
    expect(exported.length).toBeGreaterThanOrEqual(14);
    expect(exported.filter((name) => !used.has(name))).toEqual([]);
  });
});

describe("a real Prometheus scraping the server", () => {
  it("scrapes both tracks", async () => {
    const up = await prometheus.query("up");
    expect(up.series.map((s) => `${s.metric.track}=${s.value[1]}`).sort()).toEqual(["canary=1", "stable=1"]);
  });

  it("returns data for every dashboard query", async () => {
    const problems: string[] = [];
    for (const e of dashboardExpressions()) {
      const query = runnableQuery(e.expr, WINDOW);
      const result = await prometheus.query(query);
      if (result.status !== "success") problems.push(`${e.source}: ${result.error} in ${query}`);
      else if (metricsWithPrefix(e.expr, EXEMPT_PREFIXES).length === 0 && !hasFiniteValue(result)) {
        problems.push(`${e.source}: no data for ${query}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("records every recording rule and accepts every alert expression", async () => {
    const problems: string[] = [];
    const rules = ruleExpressions();
    expect(rules.filter((e) => e.kind === "record").length).toBeGreaterThan(20);
    for (const e of rules) {
      // A recording rule is checked by its recorded series (proves Prometheus loaded and evaluated it);
      // an alert by its expression (proves it runs; firing is promtool's job).
      const query = e.record ?? e.expr;
      const result = await prometheus.query(query);
      if (result.status !== "success") problems.push(`${e.source}: ${result.error}`);
      else if (
        e.record &&
        metricsWithPrefix(e.expr, EXEMPT_PREFIXES).length === 0 &&
        !hasFiniteValue(result)
      ) {
        problems.push(`${e.source}: no data`);
      }
    }
    expect(problems).toEqual([]);
  });
});
