// A real node beside the kwok ones (scripts/cluster/node.sh): the pinned kubelet with containerd + runc joins the
// local control plane, and a pod of the inference server image really runs there, reached only through
// `kubectl port-forward` on 127.0.0.1 (API server -> kubelet -> containerd -> the pod's network namespace).
// Opt-in (root, containerd, runc, CNI plugins, docker with the server image): GENAI_E2E_REAL_NODE=1.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { run, timed } from "./support/exec.js";
import { hasCondition, Kube, type KubeObject, waitFor } from "./support/kube.js";

const nodeScript = path.resolve(import.meta.dirname, "../../scripts/cluster/node.sh");
const nodeName = "real-cpu-0";
const ns = "e2e-node";
const modelFile = "SmolLM2-135M-Instruct.Q4_1.gguf";
const image = process.env.GENAI_NODE_IMAGE ?? "genai-inference:local";
const kubeBin = inject("kubeBin");
const kube = new Kube(kubeBin, inject("kubeconfig"));
// node.sh must use the kubelet of the binaries this suite's control plane runs.
const nodeEnv = { GENAI_KUBE_BIN: kubeBin };

/** Why the suite cannot run here, or undefined when it can (node.sh check names the first missing piece). */
function skipReason(): string | undefined {
  if (process.env.GENAI_E2E_REAL_NODE !== "1") return "opt-in: set GENAI_E2E_REAL_NODE=1";
  try {
    execFileSync(nodeScript, ["check"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...nodeEnv },
    });
    return undefined;
  } catch (error) {
    const out = (error as { stdout?: string }).stdout?.trim();
    return out || String(error);
  }
}
const reason = skipReason();

/** An exec probe: `node` inside the container fetches `path` from the server on the pod's loopback. */
function probe(path: string): { exec: { command: string[] }; timeoutSeconds: number } {
  const script = `fetch('http://127.0.0.1:8000${path}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;
  // Generous timeout: starting node on a loaded 2-core machine can take seconds.
  return { exec: { command: ["node", "-e", script] }, timeoutSeconds: 15 };
}

/** The inference server as the platform runs it: non-root, read-only root, no capabilities, probes on /ready. */
function serverPod(modelDir: string): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "inference", namespace: ns, labels: { app: "inference" } },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": nodeName },
      tolerations: [{ key: "genai.local/real-node", operator: "Exists", effect: "NoSchedule" }],
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        // The Secret's files are root-owned with mode 0440: fsGroup makes them group 1000, readable by the server.
        fsGroup: 1000,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          name: "server",
          image,
          imagePullPolicy: "Never",
          env: [
            { name: "MODEL", value: `/models/${modelFile}` },
            { name: "API_KEYS_FILE", value: "/etc/genai/api-keys" },
            { name: "CONTEXT_SIZE", value: "512" },
            { name: "SEQUENCES", value: "1" },
            { name: "THREADS", value: "1" },
          ],
          ports: [{ name: "http", containerPort: 8000 }],
          // Exec probes against the real server from inside the pod: the host has no route into the pod network
          // (by design), so kubelet httpGet probes, which dial the pod IP from the host, could never connect. The
          // same check as the image's own HEALTHCHECK.
          startupProbe: { ...probe("/health"), periodSeconds: 3, failureThreshold: 100 },
          readinessProbe: { ...probe("/ready"), periodSeconds: 5, failureThreshold: 3 },
          livenessProbe: { ...probe("/health"), periodSeconds: 20, failureThreshold: 3 },
          resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
          volumeMounts: [
            { name: "models", mountPath: "/models", readOnly: true },
            { name: "api-keys", mountPath: "/etc/genai", readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
          ],
        },
      ],
      volumes: [
        { name: "models", hostPath: { path: modelDir, type: "Directory" } },
        { name: "api-keys", secret: { secretName: "api-keys", defaultMode: 0o440 } },
        { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
      ],
    },
  };
}

/** Starts `kubectl port-forward` on 127.0.0.1 with a free local port and resolves with that port. */
function portForward(target: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(
    path.join(kubeBin, "kubectl"),
    ["--kubeconfig", kube.kubeconfig, "-n", ns, "port-forward", "--address", "127.0.0.1", target, ":8000"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`port-forward did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), child });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`port-forward exited with ${code}:\n${out}`));
    });
  });
}

describe.skipIf(reason !== undefined)(`a real node (${reason ?? "kubelet + containerd + runc"})`, () => {
  const apiKey = randomBytes(24).toString("hex");
  let forward: { port: number; child: ChildProcess } | undefined;
  /** A chat completion through the port-forward on 127.0.0.1. */
  const chat = (port: number, content: string, maxTokens: number, stream: boolean) =>
    fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: modelFile.replace(/\.gguf$/, ""),
        messages: [{ role: "user", content }],
        max_tokens: maxTokens,
        temperature: 0,
        stream,
      }),
    });

  beforeAll(async () => {
    const up = await timed("real node up (node.sh up)", () =>
      run(nodeScript, ["up"], { streamStderr: true, env: nodeEnv }),
    );
    const modelDir = up.stdout.trim();
    await kube.apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }]);
    // The key travels in a Secret (a file in the pod), never in the pod spec.
    await kube.apply([
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "api-keys", namespace: ns },
        stringData: { "api-keys": `e2e:${apiKey}\n` },
      },
      serverPod(modelDir),
    ]);
  });

  afterAll(async () => {
    forward?.child.kill();
    await kube.kubectl(["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]).catch(() => "");
    await timed("real node down (node.sh down)", () =>
      run(nodeScript, ["down"], { streamStderr: true, env: nodeEnv }),
    );
  });

  it("joins as a Ready node next to the kwok nodes, its kubelet the control plane's version, on containerd", async () => {
    const node = await kube.get<KubeObject>(["node", nodeName]);
    expect(hasCondition(node, "Ready")).toBe(true);
    const info = node.status?.nodeInfo as { kubeletVersion: string; containerRuntimeVersion: string };
    const version = JSON.parse(await kube.kubectl(["version", "-o", "json"])) as {
      serverVersion: { gitVersion: string };
    };
    expect(info.kubeletVersion).toBe(version.serverVersion.gitVersion);
    expect(info.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    const kwok = (await kube.list("nodes")).filter((n) => n.metadata.labels?.type === "kwok");
    expect(kwok.map((n) => n.metadata.name).sort()).toEqual([
      "kwok-cpu-0",
      "kwok-cpu-1",
      "kwok-gpu-0",
      "kwok-gpu-1",
    ]);
  });

  it("runs the inference server pod until its readiness probe passes", async () => {
    const pod = await waitFor(
      "the inference pod to be Ready on the real node",
      async () => {
        const p = await kube.get<KubeObject & { spec: { nodeName?: string } }>([
          "pod",
          "inference",
          "-n",
          ns,
        ]);
        return hasCondition(p, "Ready") ? p : undefined;
      },
      300_000,
    );
    expect(pod.spec.nodeName).toBe(nodeName);
  }, 330_000);

  it("keeps the container non-root, without capabilities, and its network to its own subnet", async () => {
    // Read inside the container through the kubelet's exec stream: uid, effective capabilities, IPv4 routes.
    const script =
      "const fs=require('fs');const st=fs.readFileSync('/proc/self/status','utf8');" +
      "const routes=fs.readFileSync('/proc/net/route','utf8').trim().split('\\n').slice(1).map(l=>l.split('\\t'));" +
      "console.log(JSON.stringify({uid:process.getuid(),capEff:/CapEff:\\s*(\\S+)/.exec(st)[1]," +
      "routes:routes.map(r=>({iface:r[0],dest:r[1],gateway:r[2]}))}))";
    const out = await kube.kubectl(["-n", ns, "exec", "inference", "--", "node", "-e", script]);
    const seen = JSON.parse(out) as {
      uid: number;
      capEff: string;
      routes: { iface: string; dest: string; gateway: string }[];
    };
    expect(seen.uid).toBe(1000);
    expect(seen.capEff).toBe("0000000000000000");
    // Exactly one route: the pod subnet 10.88.0.0/24 on eth0, link-scoped (no gateway); no default route.
    // /proc/net/route prints addresses as little-endian hex: 10.88.0.0 is 0000580A.
    expect(seen.routes).toEqual([{ iface: "eth0", dest: "0000580A", gateway: "00000000" }]);
  });

  it("answers a chat completion through kubectl port-forward on 127.0.0.1", async () => {
    forward = await portForward("pod/inference");
    const base = `http://127.0.0.1:${forward.port}`;
    const unauthorized = await fetch(`${base}/v1/models`);
    expect(unauthorized.status).toBe(401);
    const res = await chat(forward.port, "Say hello.", 8, false);
    const body = (await res.json()) as {
      model: string;
      choices: { message: { content: string } }[];
      usage: { completion_tokens: number };
    };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.model).toBe(modelFile.replace(/\.gguf$/, ""));
    expect(body.choices[0]?.message.content.length).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
  });

  it("finishes an in-flight stream when the pod is deleted (SIGTERM drain), then the pod goes", async () => {
    expect(forward, "the port-forward of the previous test").toBeDefined();
    const res = await chat(forward!.port, "Describe a bicycle in detail.", 120, true);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    // The kubelet sends SIGTERM now; the server stops being ready and finishes what it started.
    await kube.kubectl(["-n", ns, "delete", "pod", "inference", "--wait=false"]);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toMatch(/"finish_reason":"(length|stop)"/);
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    await waitFor(
      "the deleted pod to go",
      async () =>
        (await kube.kubectl(["-n", ns, "get", "pods", "-o", "name"])).includes("pod/inference")
          ? undefined
          : true,
      90_000,
    );
  }, 120_000);
});
