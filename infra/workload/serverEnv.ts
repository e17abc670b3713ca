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
