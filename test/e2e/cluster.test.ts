// The local control plane itself (scripts/cluster): API, RBAC, kwok nodes, scheduling onto GPU nodes,
// controllers, and the CRDs the stack's custom resources need.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CommandError } from "./support/exec.js";
import { hasCondition, Kube, type KubeObject, waitFor } from "./support/kube.js";

const kube = new Kube(inject("kubeBin"), inject("kubeconfig"));
const ns = "e2e-cluster";
const gpuNodes = ["kwok-gpu-0", "kwok-gpu-1"];
const cpuNodes = ["kwok-cpu-0", "kwok-cpu-1"];

/** The Kubernetes version the wrapper module pins (scripts/cluster/cmd/go.mod). */
function pinnedKubernetesVersion(): string {
  const goMod = readFileSync(path.resolve(import.meta.dirname, "../../scripts/cluster/cmd/go.mod"), "utf8");
  const match = /^\s*k8s\.io\/kubernetes (v\S+)$/m.exec(goMod);
  if (!match?.[1]) throw new Error("k8s.io/kubernetes not found in scripts/cluster/cmd/go.mod");
  return match[1];
}

const restricted = {
  runAsNonRoot: true,
  runAsUser: 65532,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

function pod(name: string, extra: { gpu?: boolean; tolerateGpu?: boolean }): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns },
    spec: {
      ...(extra.gpu ? { nodeSelector: { "nvidia.com/gpu.present": "true" } } : {}),
      ...(extra.tolerateGpu
        ? { tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] }
        : {}),
      containers: [
        {
          name: "main",
          image: "registry.invalid/never-pulled:1.0",
          securityContext: restricted,
          resources: {
            requests: { cpu: "100m", memory: "64Mi" },
            limits: { cpu: "100m", memory: "64Mi", ...(extra.gpu ? { "nvidia.com/gpu": "1" } : {}) },
          },
        },
      ],
    },
  };
}

async function runningPod(name: string): Promise<KubeObject & { spec: { nodeName: string } }> {
  return waitFor(`pod ${name} Running and Ready`, async () => {
    const p = await kube.get<KubeObject & { spec: { nodeName: string } }>(["pod", name, "-n", ns]);
    return p.status?.phase === "Running" && hasCondition(p, "Ready") ? p : undefined;
  });
}

describe("local control plane", () => {
  beforeAll(async () => {
    await kube.apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }]);
    await waitFor("default ServiceAccount in the test namespace", async () =>
      (await kube.list("serviceaccounts", ns)).some((sa) => sa.metadata.name === "default")
        ? true
        : undefined,
    );
  });
  afterAll(async () => {
    await kube.kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  it("serves the pinned Kubernetes version over TLS with client certificates", async () => {
    const version = JSON.parse(await kube.kubectl(["version", "-o", "json"])) as {
      serverVersion: { gitVersion: string };
    };
    expect(version.serverVersion.gitVersion).toBe(pinnedKubernetesVersion());
  });

  it("enforces RBAC: the admin may, a fresh ServiceAccount may not", async () => {
    expect((await kube.kubectl(["auth", "can-i", "create", "pods", "-n", ns])).trim()).toBe("yes");
    const denied = kube.kubectl([
      "auth",
      "can-i",
      "create",
      "pods",
      "-n",
      ns,
      `--as=system:serviceaccount:${ns}:default`,
    ]);
    await expect(denied).rejects.toBeInstanceOf(CommandError);
    await expect(denied).rejects.toMatchObject({ stdout: "no\n" });
  });

  it("has kwok nodes Ready, the GPU ones with nvidia.com/gpu capacity and taint", async () => {
    const nodes = await kube.list<KubeObject & { spec: { taints?: { key: string; effect: string }[] } }>(
      "nodes",
    );
    const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
    for (const name of [...gpuNodes, ...cpuNodes]) {
      const node = byName.get(name);
      expect(node, name).toBeDefined();
      expect(hasCondition(node!, "Ready"), `${name} Ready`).toBe(true);
    }
    for (const name of gpuNodes) {
      const node = byName.get(name)!;
      expect(node.status?.capacity?.["nvidia.com/gpu"]).toBe("4");
      expect(node.metadata.labels?.["nvidia.com/gpu.present"]).toBe("true");
      expect(node.spec.taints).toContainEqual(
        expect.objectContaining({ key: "nvidia.com/gpu", effect: "NoSchedule" }),
      );
    }
    for (const name of cpuNodes)
      expect(byName.get(name)!.status?.capacity?.["nvidia.com/gpu"]).toBeUndefined();
  });

  it("schedules a GPU pod onto a GPU node where it becomes Running; plain pods stay off GPU nodes", async () => {
    await kube.apply([pod("gpu", { gpu: true, tolerateGpu: true }), pod("plain", {})]);
    expect(gpuNodes).toContain((await runningPod("gpu")).spec.nodeName);
    expect(cpuNodes).toContain((await runningPod("plain")).spec.nodeName);
  });

  it("leaves a GPU pod that does not tolerate the taint Pending as Unschedulable", async () => {
    await kube.apply([pod("gpu-untolerated", { gpu: true })]);
    const scheduled = await waitFor("PodScheduled=False on gpu-untolerated", async () => {
      const p = await kube.get<KubeObject>(["pod", "gpu-untolerated", "-n", ns]);
      return p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
    });
    expect(scheduled.reason).toBe("Unschedulable");
    expect(scheduled.message).toMatch(/2 node\(s\) had untolerated taint/);
  });

  it("runs the controllers: a Deployment becomes Available", async () => {
    await kube.apply([
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: ns },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: (pod("x", {}) as { spec: object }).spec,
          },
        },
      },
    ]);
    const deployment = await waitFor("Deployment web Available", async () => {
      const d = await kube.get<KubeObject>(["deployment", "web", "-n", ns]);
      return hasCondition(d, "Available") && d.status?.["readyReplicas"] === 2 ? d : undefined;
    });
    expect(deployment.status?.["availableReplicas"]).toBe(2);
  });

  it("has established the CRDs the stack's custom resources need", async () => {
    const crds = await kube.list("customresourcedefinitions");
    const needed = [
      "servicemonitors.monitoring.coreos.com",
      "prometheusrules.monitoring.coreos.com",
      "virtualservices.networking.istio.io",
      "destinationrules.networking.istio.io",
      "gateways.networking.istio.io",
      "peerauthentications.security.istio.io",
      "schedules.velero.io",
      "elasticsearches.elasticsearch.k8s.elastic.co",
    ];
    const names = crds.map((c) => c.metadata.name);
    for (const name of needed) expect(names).toContain(name);
    const notEstablished = crds.filter((c) => !hasCondition(c, "Established")).map((c) => c.metadata.name);
    expect(notEstablished).toEqual([]);
  });

  it("validates custom resources against their CRD schema", async () => {
    const serviceMonitor = (endpoints: unknown): object => ({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "probe", namespace: ns },
      spec: { selector: { matchLabels: { app: "web" } }, endpoints },
    });
    await kube.apply([serviceMonitor([{ port: "http", path: "/metrics", interval: "15s" }])]);
    const stored = await kube.get<KubeObject>(["servicemonitor", "probe", "-n", ns]);
    expect(stored.spec?.["endpoints"]).toEqual([{ port: "http", path: "/metrics", interval: "15s" }]);

    const invalid = kube.kubectl(
      ["apply", "--dry-run=server", "-f", "-"],
      JSON.stringify(serviceMonitor("not-a-list")),
    );
    await expect(invalid).rejects.toThrow(/spec\.endpoints.*array/);
  });
});
