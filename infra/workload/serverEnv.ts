import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { InferenceConfig } from "./config.js";
import { APP_PORT, type Track } from "./labels.js";
import type { ModelConfig } from "./modelCache.js";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Where a track's server finds what it needs at run time. */
export interface ServerEnvInputs {
  readonly config: InferenceConfig;
  readonly track: Track;
  readonly model: ModelConfig;
  /** Mount path of the model cache volume. */
  readonly modelDir: string;
  readonly apiKeysSecretName: pulumi.Input<string>;
  readonly apiKeysSecretKey: string;
  /** OTLP/HTTP endpoint; no tracing variables when unset. */
  readonly tracingEndpoint?: pulumi.Input<string>;
  /** The model as the endpoint serves it (genai:models); without it the server names it after its file. */
  readonly served?: ServedModel;
}

/** One model of the endpoint: its API name and kind, and every model the endpoint lists in /v1/models. */
export interface ServedModel {
  readonly name: string;
  readonly type: "chat" | "embeddings";
  readonly catalog: readonly { readonly id: string; readonly type: "chat" | "embeddings" }[];
}

/** Multipliers of the Kubernetes quantity suffixes the config schema accepts. */
const QUANTITY_SUFFIX: Readonly<Record<string, number>> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/**
 * Evaluation threads for a container CPU limit, by the server's own rule (inference/src/engine/threads.ts): the
 * whole CPUs of the limit (rounded down: 1500m cannot keep two spinning threads busy) less one left to the server's
 * event loop, at least 1. llama.cpp's threads spin while they wait for each other, so filling the quota with them
 * gets the pod throttled mid-decode.
 */
export function threadsForCpuLimit(cpu: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(cpu);
  const factor = m ? QUANTITY_SUFFIX[m[2] ?? ""] : undefined;
  if (!m || factor === undefined)
    throw new Error(`invalid CPU limit "${cpu}": expected a quantity such as 2 or 1500m`);
  return Math.max(1, Math.floor(Number(m[1]) * factor + 1e-9) - 1);
}

/**
 * The server's environment (its only configuration surface: inference/src/config.ts, docs/inference.md). Keys are passed by reference to
 * their Secret, never as plain values.
 */
export function serverEnv(i: ServerEnvInputs): EnvVar[] {
  const c = i.config;
  const plain: Record<string, pulumi.Input<string>> = {
    PORT: String(APP_PORT),
    HOST: "0.0.0.0",
    MODEL: `${i.modelDir}/${i.model.file}`,
    // The init step has downloaded and verified the file; the server must never fetch on its own.
    MODEL_DOWNLOAD: "false",
    SEQUENCES: String(c.sequences),
    // From the container's CPU limit: the server's own default (the cgroup quota it sees) agrees, but stating it
    // keeps the pod spec honest and survives runtimes that hide the quota.
    THREADS: String(threadsForCpuLimit(c.resources.limits.cpu)),
    CONTEXT_SIZE: String(c.contextSize),
    GPU: c.gpu.enabled ? "cuda" : "false",
    QUEUE_SIZE: String(c.queueSize),
    // The server gives up just before the mesh's route timeout, so the client sees the server's error.
    REQUEST_TIMEOUT_MS: String(Math.max(1, c.traffic.timeoutSeconds - 1) * 1000),
    SHUTDOWN_GRACE_MS: String(c.drainSeconds * 1000),
    RATE_LIMIT_RPM: String(c.rateLimit.requestsPerMinute),
    RATE_LIMIT_TPM: String(c.rateLimit.tokensPerMinute),
    LOG_LEVEL: c.logLevel,
    ...(i.served !== undefined
      ? {
          MODEL_NAME: i.served.name,
          MODEL_TYPE: i.served.type,
          MODEL_CATALOG: JSON.stringify(i.served.catalog.map((m) => ({ id: m.id, type: m.type }))),
        }
      : {}),
    ...(i.tracingEndpoint !== undefined
      ? {
          OTEL_EXPORTER_OTLP_ENDPOINT: i.tracingEndpoint,
          OTEL_SERVICE_NAME: "genai-inference",
          OTEL_RESOURCE_ATTRIBUTES: `deployment.track=${i.track}`,
        }
      : {}),
  };
  return [
    ...Object.entries(plain).map(([name, value]) => ({ name, value })),
    { name: "API_KEYS", valueFrom: { secretKeyRef: { name: i.apiKeysSecretName, key: i.apiKeysSecretKey } } },
  ];
}
