// The `ci` stack (two models behind one gateway) deployed by the real Pulumi engine into the local control plane:
// objects and readiness checked through the Kubernetes API, a canary weight change that updates only the routing
// (the HTTPRoute), and a destroy that leaves
// nothing behind. The tests run in order and build on each other.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readDashboards } from "../../infra/observability/index.js";
import { timed } from "./support/exec.js";
import { hasCondition, Kube, type KubeObject, waitFor } from "./support/kube.js";
import { PulumiStack } from "./support/pulumi.js";
import type { OpResult } from "./support/stackOp.js";

const kube = new Kube(inject("kubeBin"), inject("kubeconfig"));
const stack = new PulumiStack("ci", inject("kubeconfig"));
/** genai:namespaces.names.workload of the ci preset. */
const ns = "genai";
const gpuNodes = ["kwok-gpu-0", "kwok-gpu-1"];
/** Kinds whose objects come and go on their own (heartbeats, events) and say nothing about leftovers. */
const volatileResources = new Set(["events", "events.events.k8s.io", "leases.coordination.k8s.io"]);

interface PodSpec {
  nodeName?: string;
  containers: { name: string; resources?: { limits?: Record<string, string> } }[];
}
interface HpaSpec {
  scaleTargetRef: { name: string };
  metrics: { type: string; resource?: { name: string }; pods?: { metric: { name: string } } }[];
}
interface RouteRule {
  matches: { headers?: { name: string; value: string }[] }[];
  backendRefs: { kind: string; name: string; weight?: number }[];
}
/** The chat model of the ci preset (genai:models in Pulumi.ci.yaml), the one with a canary. */
const CHAT_MODEL = "smollm2-chat";

/** Every object the API lists, as `resource/namespace/name`, the volatile kinds aside. */
async function allObjects(): Promise<Set<string>> {
  const resources = (await kube.kubectl(["api-resources", "--verbs=list", "-o", "name"]))
    .split("\n")
    .map((r) => r.trim())
    .filter((r) => r && !volatileResources.has(r));
  const template = '{range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}{"\\n"}{end}';
  const out = await kube.kubectl(["get", resources.join(","), "-A", "-o", `jsonpath=${template}`]);
  return new Set(out.split("\n").filter(Boolean));
}

/** The weight of each track's InferencePool in the HTTPRoute rule of the chat model (track = pool name suffix). */
async function routeWeights(): Promise<Record<string, number>> {
  const [route] = await kube.list("httproutes.gateway.networking.k8s.io", ns);
  expect(route, "an HTTPRoute in the workload namespace").toBeDefined();
  const rules = (route!.spec?.["rules"] ?? []) as RouteRule[];
  const chat = rules.find((r) => r.matches.some((m) => m.headers?.some((h) => h.value === CHAT_MODEL)));
  expect(chat, `a rule matching model ${CHAT_MODEL}`).toBeDefined();
  return Object.fromEntries(
    chat!.backendRefs.map((b) => [b.name.replace(/^.*-(stable|canary)$/, "$1"), b.weight ?? 1]),
  );
}

/** Resource steps the engine did something with (the stack and provider resources and no-ops aside). */
function changed(result: OpResult): { type: string; op: string }[] {
  return result.steps
    .filter(
      (s) => s.op !== "same" && s.type !== "pulumi:pulumi:Stack" && !s.type.startsWith("pulumi:providers:"),
    )
    .map((s) => ({ type: s.type, op: s.op }));
}

describe("ci stack through the real engine", () => {
  let before: Set<string>;
  let created: OpResult;
  let destroyed = false;

  beforeAll(async () => {
    before = await allObjects();
    created = await timed("pulumi up (create)", () => stack.op("up"));
  });
  afterAll(async () => {
    // A failed test must not leave the stack's objects in the cluster for the next file or run.
    if (!destroyed) await timed("pulumi destroy (cleanup)", () => stack.op("destroy")).catch(() => undefined);
    stack.dispose();
  });

  it("creates the stack", () => {
    expect(created.result).toBe("succeeded");
    expect(created.resourceChanges["create"]).toBeGreaterThan(10);
  });

  it("has every Deployment Available: both tracks of the chat model, the embeddings model's stable", async () => {
    const deployments = await kube.list("deployments", ns);
    const tracks = deployments.map((d) => d.metadata.labels?.["track"]).sort();
    expect(tracks).toEqual(["canary", "stable", "stable"]);
    for (const d of deployments) expect(hasCondition(d, "Available"), d.metadata.name).toBe(true);
  });

  it("scales each track to its HPA minimum, every pod Running, the GPU pods on GPU nodes", async () => {
    // The Deployments leave spec.replicas to their HPA, which raises them to minReplicas even without metrics.
    const hpas = await kube.list<KubeObject & { spec: { minReplicas: number } }>(
      "horizontalpodautoscalers",
      ns,
    );
    const expected = hpas.reduce((sum, h) => sum + h.spec.minReplicas, 0);
    expect(expected).toBeGreaterThanOrEqual(3);
    const pods = await waitFor(`${expected} pods Running`, async () => {
      const all = await kube.list<KubeObject & { spec: PodSpec }>("pods", ns);
      const running = all.filter((p) => p.status?.phase === "Running" && hasCondition(p, "Ready"));
      return running.length === expected && all.length === expected ? all : undefined;
    });
    const gpuPods = pods.filter((p) =>
      p.spec.containers.some((c) => c.resources?.limits?.["nvidia.com/gpu"]),
    );
    expect(gpuPods.length).toBeGreaterThan(0);
    for (const p of gpuPods) expect(gpuNodes, p.metadata.name).toContain(p.spec.nodeName);
  });

  it("autoscales each track on CPU, memory and the queue depth", async () => {
    const hpas = await kube.list<KubeObject & { spec: HpaSpec }>("horizontalpodautoscalers", ns);
    const deployments = (await kube.list("deployments", ns)).map((d) => d.metadata.name);
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual([...deployments].sort());
    for (const hpa of hpas) {
      const metrics = hpa.spec.metrics.map((m) => m.resource?.name ?? m.pods?.metric.name);
      expect(metrics).toEqual(expect.arrayContaining(["cpu", "memory", "genai_requests_waiting"]));
      // The HPA controller has picked it up (no metrics API here, so it cannot scale, but it reports that).
      const observed = await waitFor(`HPA ${hpa.metadata.name} observed`, async () => {
        const h = await kube.get<KubeObject>(["hpa", hpa.metadata.name, "-n", ns]);
        return h.status?.conditions?.length ? h : undefined;
      });
      expect(observed.status?.conditions?.map((c) => c.type)).toContain("AbleToScale");
    }
  });

  it("routes the chat model 80/20 between its stable and canary pools, each with its mesh policy", async () => {
    expect(await routeWeights()).toEqual({ stable: 80, canary: 20 });
    const pools = await kube.list("inferencepools.inference.networking.k8s.io", ns);
    expect(pools.map((p) => p.metadata.name).sort()).toEqual([
      "genai-inference-smollm2-chat-canary",
      "genai-inference-smollm2-chat-stable",
    ]);
    // The embeddings model is routed through a Service over its pods (the v1.0.1 picker refuses embeddings bodies).
    const [route] = await kube.list("httproutes.gateway.networking.k8s.io", ns);
    const embedRule = ((route?.spec?.["rules"] ?? []) as RouteRule[]).find((r) =>
      r.matches.some((m) => m.headers?.some((h) => h.value === "smollm2-embed")),
    );
    expect(embedRule?.backendRefs.map((b) => b.kind)).toEqual(["Service"]);
    const services = await kube.list("services", ns);
    expect(services.map((s) => s.metadata.name)).toContain(embedRule?.backendRefs[0]?.name);
    const rules = await kube.list("destinationrules.networking.istio.io", ns);
    const hosts = rules.map((r) => String(r.spec?.["host"] ?? ""));
    expect(hosts.filter((h) => /-ip-[0-9a-f]{8}\./.test(h))).toHaveLength(3);
  });

  it("isolates the pods with a default-deny NetworkPolicy and a narrower allow", async () => {
    const policies = await kube.list<KubeObject & { spec: { podSelector: object; policyTypes: string[] } }>(
      "networkpolicies",
      ns,
    );
    const denyAll = policies.find(
      (p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec["ingress" as keyof typeof p.spec],
    );
    expect(denyAll?.spec.policyTypes.sort()).toEqual(["Egress", "Ingress"]);
    expect(policies.length).toBeGreaterThan(1);
  });

  it("has its custom resources stored through the CRD schemas, plus PDBs and the API-key Secret", async () => {
    for (const kind of [
      "servicemonitors.monitoring.coreos.com",
      "prometheusrules.monitoring.coreos.com",
      "httproutes.gateway.networking.k8s.io",
      "inferencepools.inference.networking.k8s.io",
      "verticalpodautoscalers.autoscaling.k8s.io",
      "destinationrules.networking.istio.io",
    ]) {
      expect((await kube.list(kind, ns)).length, kind).toBeGreaterThan(0);
    }
    // chat: stable + canary, embeddings: stable.
    expect((await kube.list("poddisruptionbudgets", ns)).length).toBe(3);
    const secrets = await kube.list<KubeObject & { type: string }>("secrets", ns);
    expect(secrets.some((s) => s.type === "Opaque")).toBe(true);
  });

  it("provisions the Grafana dashboards as sidecar ConfigMaps in the monitoring namespace", async () => {
    const maps = await kube.list("configmaps", "monitoring");
    const dashboards = maps.filter((m) => m.metadata.labels?.["grafana_dashboard"] === "1");
    expect(dashboards.map((m) => m.metadata.name).sort()).toEqual(
      readDashboards()
        .map((d) => `genai-dashboard-${d.name}`)
        .sort(),
    );
  });

  it("changes only the routing when the canary weight changes", async () => {
    const updated = await timed("pulumi up (canary weight 20 -> 50)", () =>
      stack.op("up", [`genai:models.${CHAT_MODEL}.canary.weight=50`]),
    );
    expect(updated.result).toBe("succeeded");
    expect(changed(updated)).toEqual([
      { type: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", op: "update" },
    ]);
    expect(await routeWeights()).toEqual({ stable: 50, canary: 50 });
  });

  it("destroys every object it created", async () => {
    const result = await timed("pulumi destroy", () => stack.op("destroy"));
    destroyed = true;
    expect(result.result).toBe("succeeded");
    const leftovers = await waitFor(
      "no object left behind",
      async () => {
        const left = [...(await allObjects())].filter((o) => !before.has(o));
        return left.length === 0 ? left : undefined;
      },
      90_000,
    ).catch(async () => [...(await allObjects())].filter((o) => !before.has(o)));
    expect(leftovers).toEqual([]);
  });
});
