// The model gateway under mocks: Gateway API objects on Istio, one InferencePool (pinned chart) per model and
// track with the picker told this server's metric names, body-based routing scoped to the gateway, the canary as
// weighted backendRefs, the mesh policy on Istio's pool Services, and the VPA in recommendation mode.
import { describe, expect, it } from "vitest";
import { EPP_METRICS as SERVER_EPP_METRICS } from "../../../inference/src/metrics/names.js";
import { CHARTS } from "../../../infra/cluster/charts.js";
import {
  EPP_METRICS,
  inferencePoolServiceName,
  poolName,
  routeRules,
  validateModelRoutes,
} from "../../../infra/gateway/index.js";
import { CHART, NP } from "../support/fixtures.js";
import { runProgram } from "../support/program.js";
import { at } from "../support/workload.js";

const CR = (group: string, kind: string) => `kubernetes:${group}:${kind}`;
const GATEWAY = CR("gateway.networking.k8s.io/v1", "Gateway");
const ROUTE = CR("gateway.networking.k8s.io/v1", "HTTPRoute");
const DR = CR("networking.istio.io/v1", "DestinationRule");
const FILTER = CR("networking.istio.io/v1alpha3", "EnvoyFilter");
const PA = CR("security.istio.io/v1", "PeerAuthentication");
const VPA = CR("autoscaling.k8s.io/v1", "VerticalPodAutoscaler");

const run = (plainHttp = false) =>
  runProgram("dev", {
    program: "test/unit/support/gatewayProgram.ts",
    ignoreStackFile: true,
    overrides: { gatewayTest: { plainHttp } },
  });

describe("ModelGateway", () => {
  it("terminates TLS on an Istio Gateway API Gateway with the platform's certificate", async () => {
    const r = await run();
    const gw = r.one(GATEWAY);
    expect(at(gw.inputs, "spec", "gatewayClassName")).toBe("istio");
    expect(at(gw.inputs, "spec", "listeners", 0)).toMatchObject({
      port: 443,
      protocol: "HTTPS",
      hostname: "genai.example.com",
      tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "genai-gateway-tls" }] },
      allowedRoutes: { namespaces: { from: "Selector" } },
    });
    expect(r.outputs.endpoint).toBe("https://genai.example.com");
    const plain = await run(true);
    expect(at(plain.one(GATEWAY).inputs, "spec", "listeners", 0)).toMatchObject({
      port: 80,
      protocol: "HTTP",
    });
    expect(plain.outputs.endpoint).toBe("http://genai.example.com");
  });

  it("installs one pinned inferencepool release per model and track, its picker scoring this server's metrics", async () => {
    const r = await run();
    const pools = r.all(CHART).filter((c) => String(c.inputs.chart).includes("inferencepool"));
    // The embeddings model has no picker: v1.0.1's refuses every /v1/embeddings body (see the next tests).
    expect(pools.map((c) => c.inputs.name).sort()).toEqual([
      "inference-chat-canary",
      "inference-chat-stable",
    ]);
    const canary = pools.find((c) => c.inputs.name === "inference-chat-canary");
    expect(canary?.inputs.chart).toBe(`/charts/inferencepool-${CHARTS.inferencePool.version}.tgz`);
    expect(canary?.inputs.namespace).toBe("genai");
    const values = canary?.inputs.values;
    expect(at(values, "inferencePool")).toEqual({
      targetPorts: [{ number: 8000 }],
      modelServers: { matchLabels: { "genai.platform/model": "chat", track: "canary" } },
    });
    expect(at(values, "inferenceExtension", "flags")).toEqual(
      expect.arrayContaining([
        { name: "total-queued-requests-metric", value: "genai_requests_waiting" },
        { name: "kv-cache-usage-percentage-metric", value: "genai_kv_cache_usage_ratio" },
        { name: "lora-info-metric", value: "" },
      ]),
    );
    expect(at(values, "provider")).toEqual({ name: "istio" });
  });

  it("names the picker's metrics exactly as the server exports them", () => {
    expect(EPP_METRICS).toEqual(SERVER_EPP_METRICS);
  });

  it("routes on the model header, the canary as weighted backendRefs, GET /v1/models to the first model", async () => {
    const route = (await run()).one(ROUTE);
    expect(at(route.inputs, "spec", "parentRefs", 0)).toMatchObject({
      kind: "Gateway",
      namespace: "istio-system",
    });
    const rules = at(route.inputs, "spec", "rules");
    expect(rules).toHaveLength(3);
    expect(rules[0]).toEqual({
      matches: [
        {
          path: { type: "PathPrefix", value: "/" },
          headers: [{ type: "Exact", name: "X-Gateway-Model-Name", value: "chat" }],
        },
      ],
      backendRefs: [
        {
          group: "inference.networking.k8s.io",
          kind: "InferencePool",
          name: "inference-chat-stable",
          weight: 90,
        },
        {
          group: "inference.networking.k8s.io",
          kind: "InferencePool",
          name: "inference-chat-canary",
          weight: 10,
        },
      ],
      timeouts: { request: "300s" },
    });
    expect(at(rules[1], "matches", 0, "headers", 0, "value")).toBe("embed");
    expect(at(rules[1], "backendRefs")).toEqual([
      {
        group: "",
        kind: "Service",
        name: inferencePoolServiceName("inference-embed-stable"),
        port: 8000,
        weight: 100,
      },
    ]);
    expect(rules[2].matches).toEqual([{ path: { type: "PathPrefix", value: "/" } }]);
    expect(rules[2].backendRefs).toEqual(rules[0].backendRefs);
  });

  it("serves an embeddings model through a Service per pool, under the same mesh policy as a picked pool", async () => {
    const r = await run();
    const name = inferencePoolServiceName("inference-embed-stable");
    const service = r
      .all("kubernetes:core/v1:Service")
      .find((x) => at(x.inputs, "metadata", "name") === name);
    expect(at(service?.inputs, "spec")).toEqual({
      selector: { "genai.platform/model": "embed", track: "stable" },
      ports: [{ name: "http", port: 8000, targetPort: 8000, protocol: "TCP", appProtocol: "http" }],
    });
    const dr = r.all(DR).find((x) => at(x.inputs, "metadata", "name") === "inference-embed-stable-pool");
    expect(at(dr?.inputs, "spec", "host")).toBe(`${name}.genai.svc.cluster.local`);
    expect(at(dr?.inputs, "spec", "trafficPolicy", "tls")).toEqual({ mode: "ISTIO_MUTUAL" });
  });

  it("drops a pool at weight 0 from the route (rolled-back canary) but keeps it installed", () => {
    const rules = routeRules(
      [
        {
          model: "m",
          pools: [
            { name: "a", selector: {}, weight: 100 },
            { name: "b", selector: {}, weight: 0 },
          ],
        },
      ],
      60,
      8000,
    );
    expect(at(rules[0], "backendRefs").map((b: { name: string }) => b.name)).toEqual(["a"]);
  });

  it("puts body-based routing in front of the gateway's pods only", async () => {
    const r = await run();
    const bbr = r.all(CHART).find((c) => String(c.inputs.chart).includes("body-based-routing"));
    expect(bbr?.inputs.namespace).toBe("istio-system");
    expect(at(bbr?.inputs.values, "provider")).toEqual({ name: "none" });
    const filter = r.one(FILTER);
    expect(at(filter.inputs, "spec", "workloadSelector")).toEqual({
      labels: { "gateway.networking.k8s.io/gateway-name": "genai-models" },
    });
    expect(at(filter.inputs, "spec", "configPatches", 0, "patch", "value", "name")).toBe(
      "envoy.filters.http.ext_proc",
    );
  });

  it("keeps mTLS and the circuit breaker on the Service Istio makes for each pool", async () => {
    const r = await run();
    const dr = r.one(DR, "models-pool-inference-chat-canary-dr");
    expect(at(dr.inputs, "spec", "host")).toBe(
      `${inferencePoolServiceName("inference-chat-canary")}.genai.svc.cluster.local`,
    );
    expect(at(dr.inputs, "spec", "trafficPolicy")).toMatchObject({
      tls: { mode: "ISTIO_MUTUAL" },
      outlierDetection: {
        consecutive5xxErrors: 5,
        interval: "10s",
        baseEjectionTime: "30s",
        maxEjectionPercent: 50,
      },
    });
  });

  it("lets only the gateway's pods reach a picker, and the picker only its pool's pods, DNS, istiod, the API", async () => {
    const r = await run();
    const np = r.one(NP, "models-pool-inference-chat-canary-epp");
    expect(at(np.inputs, "spec", "podSelector", "matchLabels")).toEqual({
      inferencepool: "inference-chat-canary-epp",
    });
    expect(at(np.inputs, "spec", "ingress")).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "istio-system" } },
            podSelector: { matchLabels: { "gateway.networking.k8s.io/gateway-name": "genai-models" } },
          },
        ],
        ports: [{ protocol: "TCP", port: 9002 }],
      },
    ]);
    expect(at(np.inputs, "spec", "egress", 2, "to", 0, "podSelector", "matchLabels")).toEqual({
      "genai.platform/model": "chat",
      track: "canary",
    });
    expect(r.all(NP).some((x) => String(at(x.inputs, "metadata", "name")).includes("embed-stable-epp"))).toBe(
      false,
    );
    const pa = r.one(PA, "models-pool-inference-chat-canary-epp-mtls");
    expect(at(pa.inputs, "spec")).toMatchObject({
      mtls: { mode: "STRICT" },
      portLevelMtls: { 9002: { mode: "PERMISSIVE" } },
    });
  });

  it("installs the VPA recommender only, and VerticalPodAutoscalers that never act (updateMode Off)", async () => {
    const r = await run();
    const chart = r.all(CHART).find((c) => String(c.inputs.chart).includes("vertical-pod-autoscaler"));
    expect(at(chart?.inputs.values)).toMatchObject({
      admissionController: { enabled: false },
      updater: { enabled: false },
      recommender: { enabled: true },
    });
    const vpa = r.one(VPA);
    expect(at(vpa.inputs, "spec")).toMatchObject({
      targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "inference-chat-stable" },
      updatePolicy: { updateMode: "Off" },
    });
  });

  it("refuses routes that cannot work, and keeps pool names within the chart's 40 characters", () => {
    expect(() => validateModelRoutes([])).toThrow(/at least one model/);
    const pool = { name: "p", selector: {}, weight: 100 };
    expect(() =>
      validateModelRoutes([
        { model: "a", pools: [pool] },
        { model: "a", pools: [pool] },
      ]),
    ).toThrow(/model a is listed twice/);
    expect(() => validateModelRoutes([{ model: "a", pools: [{ ...pool, weight: 60 }] }])).toThrow(
      /weigh 100 in all \(got 60\)/,
    );
    const long = poolName("inference", "a-very-long-model-name-for-a-team", "canary");
    expect(long.length).toBeLessThanOrEqual(40);
    expect(long).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    expect(poolName("Inference", "Qwen2.5_7B", "stable")).toBe("inference-qwen2-5-7b-stable");
  });
});
