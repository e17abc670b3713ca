import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, configErrorFromZod } from "./configError.js";
import { ENVIRONMENTS, type Environment, isEnvironment } from "./environment.js";
import type { InferenceConfig } from "./workload/config.js";
import { type ModelsConfig, resolveModelsConfig } from "./workload/modelsConfig.js";
import { type BackupsConfig, backupsConfig } from "./cluster/backups/config.js";
import { type GpuOperatorConfig, gpuOperatorConfig } from "./cluster/gpuOperator/config.js";
import { type LoggingConfig, loggingConfig } from "./cluster/logging/config.js";
import { type MeshConfig, meshConfig } from "./cluster/mesh/config.js";
import {
  ALERT_RECEIVERS,
  type AlertReceiver,
  type AlertWebhooks,
  type MonitoringConfig,
  monitoringConfig,
} from "./cluster/monitoring/config.js";
import { type NamespacesConfig, namespacesConfig } from "./cluster/namespaces/config.js";
import { type TracingConfig, tracingConfig } from "./cluster/tracing/config.js";
import { type ComponentConfig, presetFor } from "./shared/componentConfig.js";
import { type DeepPartial, deepPartialSchema, mergeBySchema } from "./shared/schemaMerge.js";
import { type ResourcesConfig, type StorageConfig, url } from "./shared/validators.js";

/** The Pulumi config namespace of this project: every key below is `genai:<key>`. */
export const CONFIG_NAMESPACE = "genai";

const kubernetesSchema = z.strictObject({
  /** kubeconfig context; the ambient one when unset. */
  context: z.string().min(1).optional().describe("kubeconfig context; the ambient one when unset"),
  /** Path or contents of a kubeconfig; the ambient one when unset. */
  kubeconfig: z
    .string()
    .min(1)
    .optional()
    .describe("path or contents of a kubeconfig; the ambient one when unset"),
  /**
   * Write manifests to this directory instead of applying them (no cluster needed). Charts are then rendered from
   * `genai:charts.localDir`, or skipped with a warning when it is unset (helm.v3.Release needs a cluster).
   */
  renderYamlToDirectory: z
    .string()
    .min(1)
    .optional()
    .describe("write manifests to this directory instead of applying them (see below)"),
});

const chartsSchema = z.strictObject({
  /** Read charts from `<localDir>/<chart>-<version>.tgz` instead of their repositories (air-gapped installs). */
  localDir: z
    .string()
    .min(1)
    .optional()
    .describe(
      "read charts from `<localDir>/<chart>-<version>.tgz` instead of their repositories (air-gapped)",
    ),
  /** Kubernetes version charts are rendered for in render-only mode (there is no cluster to ask). */
  kubeVersion: z
    .string()
    .regex(/^v?1\.\d+\.\d+$/, "expected a Kubernetes version such as 1.34.0")
    .optional()
    .describe("Kubernetes version charts are rendered for in render-only mode (default 1.34.0)"),
});

const kubernetesConfig: ComponentConfig<z.infer<typeof kubernetesSchema>> = {
  key: "kubernetes",
  schema: kubernetesSchema,
  defaults: {},
  presets: { dev: {}, prod: {}, ci: {} },
};
const chartsConfig: ComponentConfig<z.infer<typeof chartsSchema>> = {
  key: "charts",
  schema: chartsSchema,
  defaults: {},
  presets: { dev: {}, prod: {}, ci: {} },
};

/**
 * Every `genai:` key except `environment`, `inference` and the secrets, in the order docs/config.md lists them:
 * the platform's own (kubernetes, charts) and each cluster component's config (schema, defaults, presets), which
 * lives beside the component. A new component adds its config here and its construction to platform.ts.
 */
export const CLUSTER_CONFIGS = {
  kubernetes: kubernetesConfig,
  charts: chartsConfig,
  namespaces: namespacesConfig,
  gpuOperator: gpuOperatorConfig,
  monitoring: monitoringConfig,
  logging: loggingConfig,
  tracing: tracingConfig,
  mesh: meshConfig,
  backups: backupsConfig,
} as const;

type ClusterConfigs = typeof CLUSTER_CONFIGS;
export type ClusterSettings = {
  [K in keyof ClusterConfigs]: ClusterConfigs[K] extends ComponentConfig<infer T> ? T : never;
};
export type KubernetesConfig = ClusterSettings["kubernetes"];
export type ChartsConfig = ClusterSettings["charts"];
export type {
  BackupsConfig,
  GpuOperatorConfig,
  LoggingConfig,
  MeshConfig,
  MonitoringConfig,
  NamespacesConfig,
  ResourcesConfig,
  StorageConfig,
  TracingConfig,
};

export type { AlertReceiver };

/** Secret keys: set with `pulumi config set --secret`. Read once and kept as secret Outputs. */
const secretSchemas = {
  /** Access key of the S3-compatible backup location. Required when backups are enabled. */
  backupsCredentials: z.strictObject({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }),
  /** PEM certificate and key of the ingress gateway; a self-signed one from @pulumi/tls when unset. */
  gatewayTls: z.strictObject({
    certificate: z.string().includes("BEGIN CERTIFICATE"),
    privateKey: z.string().includes("PRIVATE KEY"),
  }),
  /** Password of the image registry user `genai:inference.image.build.username` (see docs/workload). */
  registryPassword: z.string().min(1),
  /** Webhook URL per Alertmanager receiver (they carry tokens, hence secret); unset receivers deliver nowhere. */
  alertWebhooks: z.strictObject(
    Object.fromEntries(ALERT_RECEIVERS.map((s) => [s, url.optional()])) as Record<
      AlertReceiver,
      z.ZodOptional<typeof url>
    >,
  ),
};
type SecretKey = keyof typeof secretSchemas;
export const SECRET_KEYS = Object.keys(secretSchemas) as SecretKey[];

export interface PlatformSecrets {
  readonly registryPassword?: pulumi.Output<string>;
  readonly backupsCredentials?: pulumi.Output<{ accessKeyId: string; secretAccessKey: string }>;
  readonly gatewayTls?: pulumi.Output<{ certificate: string; privateKey: string }>;
  /** Which receivers have a URL is known at plan time; the URLs themselves stay secret. */
  readonly alertWebhooks?: AlertWebhooks;
}

/** The whole `genai:` namespace, validated, with the environment's preset filled in. */
export interface PlatformConfig extends ClusterSettings {
  readonly environment: Environment;
  /** Endpoint-wide inference settings (`genai:inference`; its per-model fields are the first model's). */
  readonly inference: InferenceConfig;
  /** Every model the endpoint serves (`genai:models`). */
  readonly models: ModelsConfig;
  readonly secrets: PlatformSecrets;
}

const CLUSTER_KEYS = Object.keys(CLUSTER_CONFIGS) as (keyof ClusterSettings)[];

/** Per environment, what its preset changes on top of the defaults (dev is the defaults). */
export const CLUSTER_PRESETS: Readonly<Record<Environment, DeepPartial<ClusterSettings>>> =
  Object.fromEntries(
    ENVIRONMENTS.map((env) => [
      env,
      Object.fromEntries(CLUSTER_KEYS.map((key) => [key, CLUSTER_CONFIGS[key].presets[env]])),
    ]),
  ) as Record<Environment, DeepPartial<ClusterSettings>>;

const TOP_LEVEL_KEYS = ["environment", "inference", "models", ...CLUSTER_KEYS, ...SECRET_KEYS] as const;

/**
 * Parses the raw `genai:` namespace (key without prefix -> value as Pulumi config holds it: objects parsed,
 * scalars as strings) for `stack`. Pure apart from wrapping secrets in `pulumi.secret`. Throws a ConfigError that
 * names the key and what is allowed.
 */
export function parseConfig(raw: Record<string, unknown>, stack: string): PlatformConfig {
  const unknown = Object.keys(raw).filter((k) => !(TOP_LEVEL_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `invalid stack configuration: unknown key(s) ${unknown.map((k) => `${CONFIG_NAMESPACE}:${k}`).join(", ")}; ` +
        `allowed: ${TOP_LEVEL_KEYS.map((k) => `${CONFIG_NAMESPACE}:${k}`).join(", ")}`,
    );
  }
  const environment = resolveEnvironment(raw.environment, stack);
  const settings = resolveSettings(raw, environment);
  const secrets = resolveSecrets(raw);
  const models = resolveModelsConfig(raw.models, raw.inference, environment);
  const inference = models.endpoint;
  checkCrossKeyRules(settings, secrets, models);
  return { environment, ...settings, inference, models, secrets };
}

/** Reads the stack's `genai:` namespace from the Pulumi engine and parses it with {@link parseConfig}. */
export function loadConfig(): PlatformConfig {
  const raw: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    raw[key] = key === "environment" ? value : parseJson(fullKey, value);
  }
  return parseConfig(raw, pulumi.getStack());
}

function parseJson(fullKey: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new ConfigError(
      `invalid stack configuration:\n  ${fullKey}: expected an object (YAML map), got ${JSON.stringify(value)}`,
    );
  }
}

function resolveEnvironment(value: unknown, stack: string): Environment {
  const candidate = value ?? stack;
  if (isEnvironment(candidate)) return candidate;
  const source =
    value === undefined
      ? `not set and the stack name ${JSON.stringify(stack)} is not an environment`
      : `got ${JSON.stringify(value)}`;
  throw new ConfigError(
    `invalid stack configuration:\n  ${CONFIG_NAMESPACE}:environment: ${source}; allowed: ${ENVIRONMENTS.map((e) => JSON.stringify(e)).join(", ")}`,
  );
}

function resolveSettings(raw: Record<string, unknown>, environment: Environment): ClusterSettings {
  const result: Record<string, unknown> = {};
  for (const key of CLUSTER_KEYS) {
    const config: ComponentConfig<object> = CLUSTER_CONFIGS[key];
    const fullKey = `${CONFIG_NAMESPACE}:${key}`;
    const input = deepPartialSchema(config.schema).safeParse(raw[key] ?? {});
    if (!input.success) throw configErrorFromZod(fullKey, input.error);
    const merged = config.schema.safeParse(
      mergeBySchema(config.schema, presetFor(config, environment), input.data),
    );
    if (!merged.success) throw configErrorFromZod(fullKey, merged.error);
    result[key] = merged.data;
  }
  return result as ClusterSettings;
}

function resolveSecrets(raw: Record<string, unknown>): PlatformSecrets {
  const parsed: Partial<{ [K in SecretKey]: z.infer<(typeof secretSchemas)[K]> }> = {};
  for (const key of SECRET_KEYS) {
    if (raw[key] === undefined) continue;
    const result = secretSchemas[key].safeParse(raw[key]);
    // zod's messages name the field and the expected form, never the value given: safe for secrets.
    if (!result.success) throw configErrorFromZod(`${CONFIG_NAMESPACE}:${key}`, result.error);
    Object.assign(parsed, { [key]: result.data });
  }
  const webhooks = parsed.alertWebhooks;
  return {
    registryPassword:
      parsed.registryPassword === undefined ? undefined : pulumi.secret(parsed.registryPassword),
    backupsCredentials: parsed.backupsCredentials && pulumi.secret(parsed.backupsCredentials),
    gatewayTls: parsed.gatewayTls && pulumi.secret(parsed.gatewayTls),
    alertWebhooks: webhooks && {
      receivers: ALERT_RECEIVERS.filter((s) => webhooks[s] !== undefined),
      urls: pulumi.secret(webhooks),
    },
  };
}

/** Rules that span keys; each error names the key to change. */
function checkCrossKeyRules(settings: ClusterSettings, secrets: PlatformSecrets, models: ModelsConfig): void {
  const problems: string[] = [];
  if (settings.backups.enabled && secrets.backupsCredentials === undefined) {
    problems.push(
      `${CONFIG_NAMESPACE}:backupsCredentials: required while genai:backups.enabled is true ` +
        `(pulumi config set --secret --path 'genai:backupsCredentials.accessKeyId' ...; same for secretAccessKey)`,
    );
  }
  for (const key of ["bucket", "endpoint"] as const) {
    if (settings.backups.enabled && !settings.backups.s3[key]) {
      problems.push(`${CONFIG_NAMESPACE}:backups.s3.${key}: required while genai:backups.enabled is true`);
    }
  }
  if (
    settings.tracing.enabled &&
    settings.tracing.storage === "elasticsearch" &&
    !settings.logging.enabled &&
    !settings.tracing.elasticsearchUrl
  ) {
    problems.push(
      `${CONFIG_NAMESPACE}:tracing.elasticsearchUrl: required for elasticsearch storage while genai:logging.enabled is false`,
    );
  }
  if (settings.tracing.enabled && settings.tracing.storage === "memory" && settings.tracing.replicas > 1) {
    problems.push(
      `${CONFIG_NAMESPACE}:tracing.replicas: the in-memory store keeps traces per pod; allowed: 1 (or storage "elasticsearch")`,
    );
  }
  if (
    settings.monitoring.adapter.enabled &&
    !settings.monitoring.enabled &&
    !settings.monitoring.prometheusUrl
  ) {
    problems.push(
      `${CONFIG_NAMESPACE}:monitoring.prometheusUrl: required for the adapter while genai:monitoring.enabled is false`,
    );
  }
  if (settings.gpuOperator.driver.managed && !settings.gpuOperator.driver.version) {
    problems.push(
      `${CONFIG_NAMESPACE}:gpuOperator.driver.version: required while driver.managed is true (pin the driver)`,
    );
  }
  const tracingCpu = cpuMillis(settings.tracing.resources.cpu);
  const tracingCpuLimit = cpuMillis(settings.tracing.cpuLimit);
  if (
    settings.tracing.enabled &&
    tracingCpu !== undefined &&
    tracingCpuLimit !== undefined &&
    tracingCpuLimit < tracingCpu
  ) {
    problems.push(
      `${CONFIG_NAMESPACE}:tracing.cpuLimit: ${settings.tracing.cpuLimit} is below ` +
        `genai:tracing.resources.cpu ${settings.tracing.resources.cpu}; a limit must be at least the request`,
    );
  }
  const gpuQuota = gpuQuotaProblem(settings.namespaces, models);
  if (gpuQuota) problems.push(gpuQuota);
  if (problems.length > 0)
    throw new ConfigError(`invalid stack configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
}

/**
 * The workload namespace's quota must admit every GPU the inference service may scale to (stable and canary at
 * their maximum); otherwise the HPA's extra pods stay Pending on a quota error while the GPUs sit idle. Only when
 * the platform manages the quota (genai:namespaces.enabled) and the pods request GPUs.
 */
function gpuQuotaProblem(namespaces: NamespacesConfig, models: ModelsConfig): string | undefined {
  const onGpu = models.models.filter((m) => m.config.gpu.enabled);
  if (!namespaces.enabled || onGpu.length === 0) return undefined;
  const terms = onGpu.map((m) => {
    const c = m.config;
    const canaryMax = c.canary.enabled ? c.canary.replicas.max : 0;
    const canary = c.canary.enabled ? ` + canary.replicas.max ${canaryMax}` : "";
    return {
      needed: (c.replicas.max + canaryMax) * c.gpu.count,
      text: `${m.name} (replicas.max ${c.replicas.max}${canary}) x gpu.count ${c.gpu.count}`,
    };
  });
  const needed = terms.reduce((n, t) => n + t.needed, 0);
  if (namespaces.workloadQuota.gpus >= needed) return undefined;
  return (
    `${CONFIG_NAMESPACE}:namespaces.workloadQuota.gpus: ${namespaces.workloadQuota.gpus} is below what ` +
    `${CONFIG_NAMESPACE}:models may request: ${terms.map((t) => t.text).join(" + ")} = ${needed}; raise the ` +
    `quota to at least ${needed} or lower the maximums`
  );
}

/**
 * A CPU quantity (`500m`, `2`, `1.5`) in millicores; undefined for the other suffixes a quantity may carry (k, Ki,
 * ...), which are legal but never used for CPU, so the comparison above skips them rather than guess.
 */
function cpuMillis(quantity: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity);
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === "m" ? 1 : 1000);
}
