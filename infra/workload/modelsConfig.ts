// `genai:models`: every model the endpoint serves, by the name clients send as `model`. Each model gets its own
// InferenceService (Deployments per track, HPA, PDB, VPA, model cache) behind the one gateway; the endpoint-wide
// settings (image, host, API keys, rate limits, traffic, probes) stay under `genai:inference`, which no longer
// takes the keys of a single model.
import { z } from "zod";
import { ConfigError, configErrorFromZod } from "../configError.js";
import type { Environment } from "../environment.js";
import {
  DEFAULT_MODEL,
  INFERENCE_BASE,
  INFERENCE_CONFIG_KEY,
  INFERENCE_PRESETS,
  type InferenceConfig,
  type InferenceConfigInput,
  inferenceConfigSchema,
  modelSchema,
  resolvedSchema,
} from "./config.js";
import { type DeepPartial, deepPartialSchema, mergeBySchema } from "../shared/schemaMerge.js";

export const MODELS_CONFIG_KEY = "genai:models";

export type ModelType = "chat" | "embeddings";

/** The keys of one model: under `genai:models.<name>`, refused under `genai:inference`. */
export const PER_MODEL_KEYS = [
  "model",
  "canary",
  "gpu",
  "resources",
  "replicas",
  "sequences",
  "contextSize",
  "queueSize",
  "modelCache",
] as const;
/** Endpoint-wide keys a model may still override for itself. */
const OVERRIDABLE_KEYS = ["autoscaling", "startupSeconds"] as const;

type PerModelKey = (typeof PER_MODEL_KEYS)[number] | (typeof OVERRIDABLE_KEYS)[number];

/** One model as written under `genai:models.<name>`. `canary.model` may name another model of the map. */
export type ModelEntryInput = DeepPartial<Pick<InferenceConfig, PerModelKey>> & { type?: ModelType };

/** A served model: its name (the API's `model`), kind, Kubernetes-safe slug and full settings. */
export interface ResolvedModel {
  readonly name: string;
  readonly type: ModelType;
  /** Lowercase DNS label derived from the name; unique across the map. */
  readonly slug: string;
  readonly config: InferenceConfig;
}

export interface ModelsConfig {
  /** Endpoint-wide settings (image, host, keys, traffic); its per-model fields are the first model's. */
  readonly endpoint: InferenceConfig;
  /** In map order; the first one answers requests that name no model. */
  readonly models: readonly ResolvedModel[];
}

const resolvedShape = resolvedSchema.shape as Record<string, z.ZodType>;
const entrySchema = z.strictObject({
  type: z.enum(["chat", "embeddings"]).optional(),
  ...Object.fromEntries(
    [...PER_MODEL_KEYS, ...OVERRIDABLE_KEYS].map((k) => [
      k,
      deepPartialSchema(resolvedShape[k] as z.ZodType).optional(),
    ]),
  ),
});
/** The model ids the server accepts in MODEL_CATALOG (inference/src/models/catalog.ts). */
const MODEL_NAME = /^[\w.:/-]{1,128}$/;

/** What an embeddings model changes from the endpoint's defaults: no GPU, no canary, lighter pods. */
const EMBEDDINGS_DEFAULTS: ModelEntryInput = {
  gpu: { enabled: false },
  canary: { enabled: false, weight: 0 },
  resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
  contextSize: 512,
};

/**
 * The models each environment serves when `genai:models` is unset. SmolLM2 doubles as the embeddings model so
 * the presets work without another download; serve a dedicated embedding model (BGE, nomic-embed, E5 in GGUF)
 * in production by naming it here.
 */
export const MODELS_PRESETS: Readonly<Record<Environment, Readonly<Record<string, ModelEntryInput>>>> = {
  dev: { smollm2: { type: "chat" } },
  prod: {
    "smollm2-chat": { type: "chat", gpu: { enabled: true } },
    "smollm2-embed": { type: "embeddings", model: DEFAULT_MODEL, replicas: { min: 2, max: 6 } },
  },
  ci: {
    "smollm2-chat": { type: "chat" },
    "smollm2-embed": { type: "embeddings", replicas: { min: 1, max: 2 } },
  },
};

const EXAMPLE = `${MODELS_CONFIG_KEY}:
    <model name clients send>:
      type: chat            # or embeddings
      model: { uri: hf:<user>/<repo>/<file>.gguf, sha256: <hex>, file: <file>.gguf }
      gpu: { enabled: true }
      replicas: { min: 3, max: 20 }
      canary: { enabled: true, weight: 10, model: <another model name or { uri, sha256, file }> }`;

/** Lowercase DNS label of a model name, for object names (`inference-<slug>-stable`). */
export function modelSlug(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 24)
    .replace(/-+$/, "");
  return /^[a-z]/.test(slug) ? slug : `m-${slug}`.slice(0, 24);
}

/**
 * Resolves `genai:models` (and the endpoint-wide `genai:inference`) for `env`. Throws a ConfigError naming the key:
 * a single-model key under `genai:inference` (with the new shape), a bad value, a canary naming an unknown model,
 * two names that become the same Kubernetes name.
 */
export function resolveModelsConfig(
  rawModels: unknown,
  rawInference: unknown,
  env: Environment,
): ModelsConfig {
  const endpointInput = endpointOnly(rawInference);
  const parsed = inferenceConfigSchema.safeParse(endpointInput);
  if (!parsed.success) throw configErrorFromZod(INFERENCE_CONFIG_KEY, parsed.error);
  const preset = mergeBySchema(resolvedSchema, INFERENCE_BASE, INFERENCE_PRESETS[env]);
  const shared = mergeBySchema(resolvedSchema, preset, parsed.data) as InferenceConfig;

  const entries = modelEntries(rawModels ?? MODELS_PRESETS[env]);
  const models = entries.map(([name, entry]) => resolveModel(name, entry, entries, shared));
  const endpoint = models[0]?.config ?? shared;
  return { endpoint, models };
}

/** `genai:inference` without the keys that moved: refused, with the shape to use instead. */
function endpointOnly(raw: unknown): InferenceConfigInput {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) return raw as InferenceConfigInput; // zod reports it
  const moved = PER_MODEL_KEYS.filter((k) => k in raw);
  if (moved.length > 0) {
    throw new ConfigError(
      `invalid stack configuration:\n${moved
        .map(
          (k) =>
            `  ${INFERENCE_CONFIG_KEY}.${k}: a setting of one model; it moved to ${MODELS_CONFIG_KEY}.<name>.${k}`,
        )
        .join(
          "\n",
        )}\n  One endpoint serves several models now; write each under ${MODELS_CONFIG_KEY}:\n  ${EXAMPLE}`,
    );
  }
  return raw as InferenceConfigInput;
}

function modelEntries(raw: unknown): [string, Record<string, unknown>][] {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(
      `invalid stack configuration:\n  ${MODELS_CONFIG_KEY}: expected a map of model name to settings, e.g.\n  ${EXAMPLE}`,
    );
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) {
    throw new ConfigError(
      `invalid stack configuration:\n  ${MODELS_CONFIG_KEY}: at least one model is required`,
    );
  }
  const problems: string[] = [];
  const bySlug = new Map<string, string>();
  for (const [name, entry] of entries) {
    if (!MODEL_NAME.test(name)) {
      problems.push(`  ${MODELS_CONFIG_KEY}.${name}: a model name is 1-128 letters, digits or . _ : / -`);
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      problems.push(`  ${MODELS_CONFIG_KEY}.${name}: expected an object of model settings`);
    }
    const slug = modelSlug(name);
    const other = bySlug.get(slug);
    if (other !== undefined) {
      problems.push(
        `  ${MODELS_CONFIG_KEY}.${name}: same Kubernetes name "${slug}" as ${MODELS_CONFIG_KEY}.${other}; two models need two names`,
      );
    }
    bySlug.set(slug, name);
  }
  if (problems.length > 0) throw new ConfigError(`invalid stack configuration:\n${problems.join("\n")}`);
  return entries as [string, Record<string, unknown>][];
}

function resolveModel(
  name: string,
  rawEntry: Record<string, unknown>,
  all: readonly [string, Record<string, unknown>][],
  shared: InferenceConfig,
): ResolvedModel {
  const key = `${MODELS_CONFIG_KEY}.${name}`;
  const entry = withCanaryModel(key, rawEntry, all);
  const input = entrySchema.safeParse(entry);
  if (!input.success) throw configErrorFromZod(key, input.error);
  const { type = "chat", ...settings } = input.data as ModelEntryInput;
  const typed = type === "embeddings" ? mergeBySchema(resolvedSchema, shared, EMBEDDINGS_DEFAULTS) : shared;
  const merged = resolvedSchema.safeParse(mergeBySchema(resolvedSchema, typed, settings));
  if (!merged.success) throw configErrorFromZod(key, merged.error);
  return { name, type, slug: modelSlug(name), config: merged.data };
}

/** `canary.model` naming another model of the map becomes that model's file spec; an unknown name is refused. */
function withCanaryModel(
  key: string,
  entry: Record<string, unknown>,
  all: readonly [string, Record<string, unknown>][],
): Record<string, unknown> {
  const canary = entry.canary as Record<string, unknown> | undefined;
  if (typeof canary?.model !== "string") return entry;
  const ref = canary.model;
  const target = all.find(([n]) => n === ref)?.[1];
  if (target === undefined) {
    throw new ConfigError(
      `invalid stack configuration:\n  ${key}.canary.model: names model "${ref}", which ${MODELS_CONFIG_KEY} does not ` +
        `define (defined: ${all.map(([n]) => n).join(", ")})`,
    );
  }
  const spec = modelSchema.safeParse(target.model ?? DEFAULT_MODEL);
  if (!spec.success) throw configErrorFromZod(`${MODELS_CONFIG_KEY}.${ref}.model`, spec.error);
  return { ...entry, canary: { ...canary, model: spec.data } };
}
