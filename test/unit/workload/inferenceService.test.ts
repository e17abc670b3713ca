import { describe, expect, it } from "vitest";
import { isSecret, runProgram } from "../support/program.js";
import { at, DIGEST, runWorkload } from "../support/workload.js";
import { DEPLOYMENT, DR, HPA, NP, PDB, PVC, SECRET, VS } from "../support/fixtures.js";

const podOf = (d: { inputs: unknown }) => at(d.inputs, "spec", "template", "spec");
const server = (d: { inputs: unknown }) => at(podOf(d), "containers", 0);

describe("InferenceService under dev", () => {
  it("runs one CPU-only stable track, no canary, the whole traffic on stable", async () => {
    const run = await runWorkload("dev");
    expect(run.all(DEPLOYMENT).map((d) => d.name)).toEqual(["inference-stable"]);
    const d = run.one(DEPLOYMENT, "inference-stable");
    expect(at(d.inputs, "spec")).not.toHaveProperty("replicas"); // the HPA owns it
    expect(JSON.stringify(server(d).resources)).not.toContain("nvidia.com/gpu");
    expect(podOf(d)).not.toHaveProperty("nodeSelector");
    expect(podOf(d)).not.toHaveProperty("topologySpreadConstraints");
    const route = at(run.one(VS).inputs, "spec", "http", 0, "route");
    expect(route).toEqual([{ destination: expect.objectContaining({ subset: "stable" }), weight: 100 }]);
    expect(at(run.one(HPA).inputs, "spec")).toMatchObject({ minReplicas: 1, maxReplicas: 2 });
    expect(run.outputs).toMatchObject({ endpoint: "http://genai.local", canaryWeight: 0 });
  });

  it("pins the image it built by the pushed digest", async () => {
    const run = await runWorkload("dev");
    const image = run.one("docker-build:index:Image");
    expect(at(image.inputs, "exports", 0, "registry")).toMatchObject({ push: true, insecure: true });
    expect(image.inputs.target).toBe("runtime"); // the CPU stage of inference/Dockerfile
    expect((await runWorkload("prod")).one("docker-build:index:Image").inputs.target).toBe("runtime-cuda");
    expect(server(run.one(DEPLOYMENT)).image).toBe(`localhost:5000/genai/inference@${DIGEST}`);
    expect(at(podOf(run.one(DEPLOYMENT)), "initContainers", 0, "image")).toBe(
      `localhost:5000/genai/inference@${DIGEST}`,
    );
  });

  it("pushes with registry credentials and pulls with a dockerconfigjson Secret, both secret", async () => {
    const run = await runWorkload(
      "dev",
      { image: { build: { ...BUILD, username: "robot" } } },
      { registryPassword: "s3cret-pw" },
    );
    const image = run.one("docker-build:index:Image");
    expect(at(image.inputs, "registries", 0)).toMatchObject({
      address: "harbor.corp.example",
      username: "robot",
    });
    expect(isSecret(image, "registries", "0", "password")).toBe(true);
    const pull = run.one(SECRET, "inference-pull");
    expect(at(pull.inputs, "type")).toBe("kubernetes.io/dockerconfigjson");
    expect(isSecret(pull, "stringData", ".dockerconfigjson")).toBe(true);
    expect(podOf(run.one(DEPLOYMENT)).imagePullSecrets).toEqual([{ name: "inference-pull" }]);
  });
});

const BUILD = {
  registry: "harbor.corp.example",
  repository: "genai/inference",
  context: "inference",
  tag: "0.2.0",
  push: true,
  cuda: false,
  platform: "linux/amd64",
  insecure: false,
};

describe("InferenceService under prod", () => {
  it("requests and limits GPUs on GPU nodes for both tracks, spread across nodes", async () => {
    const run = await runWorkload("prod");
    expect(
      run
        .all(DEPLOYMENT)
        .map((d) => d.name)
        .sort(),
    ).toEqual(["inference-canary", "inference-stable"]);
    for (const d of run.all(DEPLOYMENT)) {
      const res = server(d).resources;
      expect(res.requests["nvidia.com/gpu"]).toBe("1");
      expect(res.limits["nvidia.com/gpu"]).toBe("1");
      expect(podOf(d).nodeSelector).toEqual({ "nvidia.com/gpu.present": "true" });
      expect(podOf(d).tolerations).toContainEqual({
        key: "nvidia.com/gpu",
        operator: "Exists",
        effect: "NoSchedule",
      });
      expect(at(podOf(d), "topologySpreadConstraints", 0)).toMatchObject({
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "DoNotSchedule",
      });
      const track = d.name.endsWith("canary") ? "canary" : "stable";
      expect(at(d.inputs, "spec", "template", "metadata", "labels")).toMatchObject({
        "app.kubernetes.io/name": "genai-inference",
        "app.kubernetes.io/instance": "inference",
        track,
      });
    }
  });

  it("probes /health for startup and liveness, /ready for readiness; grace exceeds the drain time", async () => {
    const run = await runWorkload("prod", { drainSeconds: 45, startupSeconds: 600 });
    const d = run.one(DEPLOYMENT, "inference-stable");
    const c = server(d);
    expect(c.startupProbe.httpGet.path).toBe("/health");
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(600);
    expect(c.livenessProbe.httpGet.path).toBe("/health");
    expect(c.readinessProbe.httpGet.path).toBe("/ready");
    expect(podOf(d).terminationGracePeriodSeconds).toBeGreaterThan(45);
    expect(c.env).toContainEqual({ name: "SHUTDOWN_GRACE_MS", value: "45000" });
  });

  it("runs every container under the restricted security context with a writable /tmp", async () => {
    const run = await runWorkload("prod");
    const pod = podOf(run.one(DEPLOYMENT, "inference-stable"));
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(c.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    }
  });

  it("splits traffic 90/10 by config and rolls back with weight 0; weights always sum to 100", async () => {
    for (const [weight, expected] of [
      [undefined, { stable: 90, canary: 10 }],
      [35, { stable: 65, canary: 35 }],
      [0, { stable: 100, canary: 0 }],
    ] as const) {
      const run = await runWorkload("prod", weight === undefined ? {} : { canary: { weight } });
      const route: { destination: { subset: string }; weight: number }[] = at(
        run.one(VS).inputs,
        "spec",
        "http",
        0,
        "route",
      );
      expect(Object.fromEntries(route.map((r) => [r.destination.subset, r.weight]))).toEqual(expected);
      expect(route.reduce((sum, r) => sum + r.weight, 0)).toBe(100);
      expect(run.outputs.canaryWeight).toBe(expected.canary);
    }
  });

  it("routes through its Gateway with timeout, retries and outlier detection on stable/canary subsets", async () => {
    const run = await runWorkload("prod");
    const gw = run.one("kubernetes:networking.istio.io/v1:Gateway");
    expect(at(gw.inputs, "spec", "servers", 0, "hosts")).toEqual(["genai.example.internal"]);
    const http = at(run.one(VS).inputs, "spec", "http", 0);
    expect(at(run.one(VS).inputs, "spec", "gateways")).toEqual(["genai/inference", "mesh"]);
    expect(at(run.one(VS).inputs, "spec", "hosts")).toEqual([
      "genai.example.internal",
      "inference.genai.svc.cluster.local",
    ]);
    expect(http).toMatchObject({ timeout: "120s", retries: { attempts: 2, perTryTimeout: "60s" } });
    const dr = at(run.one(DR).inputs, "spec");
    expect(dr.host).toBe("inference.genai.svc.cluster.local");
    expect(dr.subsets).toEqual([
      { name: "stable", labels: { track: "stable" } },
      { name: "canary", labels: { track: "canary" } },
    ]);
    expect(dr.trafficPolicy.outlierDetection).toMatchObject({
      consecutive5xxErrors: 5,
      baseEjectionTime: "30s",
    });
  });

  it("scales each track on CPU, memory and genai_requests_waiting with the original design's behaviour", async () => {
    const run = await runWorkload("prod");
    const stable = at(run.one(HPA, "inference-stable").inputs, "spec");
    expect(stable).toMatchObject({
      minReplicas: 3,
      maxReplicas: 20,
      scaleTargetRef: { kind: "Deployment", name: "inference-stable" },
    });
    expect(stable.metrics).toEqual([
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
      },
      {
        type: "Resource",
        resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } },
      },
      {
        type: "Pods",
        pods: {
          metric: { name: "genai_requests_waiting" },
          target: { type: "AverageValue", averageValue: "4" },
        },
      },
    ]);
    expect(stable.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 60,
        selectPolicy: "Max",
        policies: [{ type: "Percent", value: 100, periodSeconds: 60 }],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: "Max",
        policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
      },
    });
    expect(at(run.one(HPA, "inference-canary").inputs, "spec")).toMatchObject({
      minReplicas: 1,
      maxReplicas: 4,
    });
  });

  it("lowers minReplicas off-hours with a CronJob whose Role may only patch that HPA", async () => {
    const run = await runWorkload("prod", { autoscaling: { offHours: { enabled: true, minReplicas: 1 } } });
    const jobs = run.all("kubernetes:batch/v1:CronJob");
    expect(jobs.map((j) => at(j.inputs, "spec", "schedule"))).toEqual(["0 20 * * 1-5", "0 7 * * 1-5"]);
    const patches = jobs.map((j) =>
      at(j.inputs, "spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "args"),
    );
    expect(patches[0]).toContain('--patch={"spec":{"minReplicas":1}}');
    expect(patches[1]).toContain('--patch={"spec":{"minReplicas":3}}');
    const role = run.one("kubernetes:rbac.authorization.k8s.io/v1:Role");
    expect(at(role.inputs, "rules")).toEqual([
      {
        apiGroups: ["autoscaling"],
        resources: ["horizontalpodautoscalers"],
        resourceNames: ["inference-stable"],
        verbs: ["get", "patch"],
      },
    ]);
    expect(at(run.one(HPA, "inference-stable").inputs, "metadata", "annotations")).toEqual({
      "pulumi.com/patchForce": "true",
    });
  });

  it("protects each track with a PDB selecting exactly its pods", async () => {
    const run = await runWorkload("prod");
    for (const track of ["stable", "canary"]) {
      const spec = at(run.one(PDB, `inference-${track}`).inputs, "spec");
      expect(spec).toMatchObject({ maxUnavailable: 1 });
      expect(spec.selector.matchLabels).toEqual(
        at(run.one(DEPLOYMENT, `inference-${track}`).inputs, "spec", "selector", "matchLabels"),
      );
    }
  });

  it("denies by default and admits only the gateway and Prometheus on 8000; egress only DNS, istiod, the model source", async () => {
    const run = await runWorkload("prod");
    expect(at(run.one(NP, "inference-default-deny").inputs, "spec")).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
    });
    const spec = at(run.one(NP, "inference-server").inputs, "spec");
    expect(spec.podSelector.matchLabels).toEqual({
      "app.kubernetes.io/name": "genai-inference",
      "app.kubernetes.io/instance": "inference",
      "app.kubernetes.io/component": "server",
    });
    expect(spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "istio-system" } },
            podSelector: { matchLabels: { istio: "ingressgateway" } },
          },
        ],
        ports: [{ protocol: "TCP", port: 8000 }],
      },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
          },
        ],
        ports: [{ protocol: "TCP", port: 8000 }],
      },
    ]);
    const egressPorts = spec.egress.map((e: { ports: { port: number }[] }) => e.ports.map((p) => p.port));
    expect(egressPorts).toEqual([[53, 53], [15012], [443]]);
  });

  it("opens egress to the tracing collector only when tracing is on, and none to the internet for a local model", async () => {
    const run = await runWorkload("prod", {
      tracingEndpoint: "http://jaeger-collector.tracing:4318",
      model: {
        uri: "/models/SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256: "b".repeat(64),
        file: "SmolLM2-135M-Instruct.Q4_1.gguf",
      },
    });
    const egress = at(run.one(NP, "inference-server").inputs, "spec", "egress");
    expect(egress.map((e: { ports: { port: number }[] }) => e.ports.map((p) => p.port))).toEqual([
      [53, 53],
      [15012],
      [4318],
    ]);
    expect(server(run.one(DEPLOYMENT, "inference-stable")).env).toContainEqual({
      name: "OTEL_EXPORTER_OTLP_ENDPOINT",
      value: "http://jaeger-collector.tracing:4318",
    });
  });

  it("fills a model cache PVC in an init step that verifies the checksum; the server mounts it read-only", async () => {
    const run = await runWorkload("prod");
    expect(run.all(PVC).map((p) => p.name)).toEqual(["inference-model-stable"]); // the canary shares the model
    expect(at(run.one(PVC).inputs, "spec")).toMatchObject({
      accessModes: ["ReadWriteMany"],
      resources: { requests: { storage: "10Gi" } },
    });
    const pod = podOf(run.one(DEPLOYMENT, "inference-canary"));
    expect(pod.volumes).toContainEqual({
      name: "models",
      persistentVolumeClaim: { claimName: "inference-model-stable" },
    });
    const init = at(pod, "initContainers", 0);
    expect(init.args).toEqual(
      expect.arrayContaining([
        "--sha256",
        "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        "--dest",
        "/models",
      ]),
    );
    expect(init.volumeMounts).toContainEqual({ name: "models", mountPath: "/models" });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: "models",
      mountPath: "/models",
      readOnly: true,
    });
  });

  it("runs a canary with its own image and pull Secret while stable keeps the built one", async () => {
    const ref = `harbor.corp.example/genai/inference:0.2.0@sha256:${"a".repeat(64)}`;
    const run = await runWorkload("prod", { canary: { image: { ref, pullSecretName: "harbor-pull" } } });
    const canary = run.one(DEPLOYMENT, "inference-canary");
    expect(server(canary).image).toBe(ref);
    expect(podOf(canary).imagePullSecrets).toEqual([{ name: "harbor-pull" }]);
    expect(at(canary.inputs, "metadata", "labels", "app.kubernetes.io/version")).toBe("0.2.0");
    expect(server(run.one(DEPLOYMENT, "inference-stable")).image).toBe(
      `localhost:5000/genai/inference@${DIGEST}`,
    );
  });

  it("gives a canary with its own model its own cache", async () => {
    const model = {
      uri: "https://models.corp.example/other.gguf",
      sha256: "c".repeat(64),
      file: "other.gguf",
    };
    const run = await runWorkload("prod", { canary: { model } });
    expect(
      run
        .all(PVC)
        .map((p) => p.name)
        .sort(),
    ).toEqual(["inference-model-canary", "inference-model-stable"]);
    const init = at(podOf(run.one(DEPLOYMENT, "inference-canary")), "initContainers", 0);
    expect(init.args).toEqual(expect.arrayContaining(["--uri", model.uri, "--sha256", model.sha256]));
  });

  it("generates an API key per tenant into a Secret, exported as a stack secret, read by reference", async () => {
    const run = await runWorkload("prod", { apiKeys: { tenants: ["team-a", "team-b"] } });
    expect(run.all("random:index/randomPassword:RandomPassword").map((p) => p.name)).toEqual([
      "inference-apikey-team-a",
      "inference-apikey-team-b",
    ]);
    const secret = run.one(SECRET, "inference-api-keys");
    expect(isSecret(secret, "stringData", "api-keys")).toBe(true);
    expect(at(secret.inputs, "stringData", "api-keys")).toBe(
      "team-a:mock-inference-apikey-team-a-value,team-b:mock-inference-apikey-team-b-value",
    );
    expect(server(run.one(DEPLOYMENT, "inference-stable")).env).toContainEqual({
      name: "API_KEYS",
      valueFrom: { secretKeyRef: { name: "inference-api-keys", key: "api-keys" } },
    });
    expect(run.outputs.apiKeys).toEqual({
      "team-a": "mock-inference-apikey-team-a-value",
      "team-b": "mock-inference-apikey-team-b-value",
    });
  });

  it("scrapes both tracks with a ServiceMonitor that keeps the track label", async () => {
    const run = await runWorkload("prod");
    const sm = run.one("kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
    expect(at(sm.inputs, "metadata", "labels")).toMatchObject({ release: "kube-prometheus-stack" });
    expect(at(sm.inputs, "spec")).toMatchObject({
      podTargetLabels: ["track"],
      endpoints: [{ port: "http", path: "/metrics" }],
    });
  });
});

describe("InferenceService in the platform (one per model of genai:models)", () => {
  const PROD_SECRETS = { backupsCredentials: { accessKeyId: "id", secretAccessKey: "key" } };

  it("serves the models through a Gateway API Gateway with the mesh's certificate, exports endpoint, weights, keys", async () => {
    const run = await runProgram("prod", { secrets: PROD_SECRETS });
    expect(run.all(VS).filter((v) => at(v.inputs, "metadata", "namespace") === "genai")).toEqual([]);
    const gw = run.one("kubernetes:gateway.networking.k8s.io/v1:Gateway");
    expect(at(gw.inputs, "metadata", "namespace")).toBe("istio-system");
    expect(at(gw.inputs, "spec", "listeners", 0)).toMatchObject({
      port: 443,
      tls: { certificateRefs: [{ kind: "Secret", name: "genai-gateway-tls" }] },
    });
    expect(run.outputs).toMatchObject({
      endpoint: "https://genai.example.internal",
      canaryWeight: 10,
      canaryWeights: { "smollm2-chat": 10, "smollm2-embed": 0 },
      models: { "smollm2-chat": "chat", "smollm2-embed": "embeddings" },
    });
    expect(Object.keys(run.outputs.apiKeys as object)).toEqual(["default"]);
    const d = run.one(DEPLOYMENT, "genai-inference-smollm2-chat-stable");
    expect(at(d.inputs, "metadata", "namespace")).toBe("genai");
    expect(server(d).env).toContainEqual({
      name: "OTEL_EXPORTER_OTLP_ENDPOINT",
      value: "http://jaeger.tracing.svc:4318",
    });
  });

  it("lets the out-of-mesh Prometheus scrape the server port under STRICT mTLS", async () => {
    const run = await runProgram("prod", { secrets: PROD_SECRETS });
    const pa = run.one(
      "kubernetes:security.istio.io/v1:PeerAuthentication",
      "genai-inference-smollm2-chat-scrape",
    );
    expect(at(pa.inputs, "spec")).toEqual({
      selector: {
        matchLabels: at(
          run.one(NP, "genai-inference-smollm2-chat-server").inputs,
          "spec",
          "podSelector",
          "matchLabels",
        ),
      },
      mtls: { mode: "STRICT" },
      portLevelMtls: { "8000": { mode: "PERMISSIVE" } },
    });
  });
});

describe("InferenceService under ci", () => {
  it("runs the prebuilt image on two tracks without building", async () => {
    const run = await runWorkload("ci");
    expect(run.all("docker-build:index:Image")).toEqual([]);
    expect(run.all(DEPLOYMENT).map((d) => server(d).image)).toEqual([
      "localhost:5000/genai/inference:0.1.0",
      "localhost:5000/genai/inference:0.1.0",
    ]);
    expect(run.outputs.canaryWeight).toBe(20);
  });
});
