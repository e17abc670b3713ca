import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, configErrorFromZod } from "./configError.js";
import { ENVIRONMENTS, type Environment, isEnvironment } from "./environment.js";
import type { InferenceConfig } from "./workload/config.js";
import { type ModelsConfig, resolveModelsConfig } from "./workload/modelsConfig.js";
import { type DeepPartial, deepPartialSchema, mergeBySchema } from "./workload/schemaMerge.js";

/** The Pulumi config namespace of this project: every key below is `genai:<key>`. */
export const CONFIG_NAMESPACE = "genai";

const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, "expected a Kubernetes quantity such as 500m, 2Gi");
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "expected a DNS label (a-z, 0-9, -)");
const hostname = z
  .string()
  .regex(
    /^(\*|(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/,
    "expected a hostname or *",
  );
/** Prometheus/Alertmanager durations: 15d, 6h, 30m. */
const promDuration = z.string().regex(/^\d+(ms|s|m|h|d|w|y)$/, "expected a duration such as 30m, 6h, 15d");
/** Velero TTLs are Go durations: 168h0m0s, 720h. */
const goDuration = z
  .string()
  .regex(/^(\d+h)?(\d+m)?(\d+s)?$/, "expected a Go duration such as 168h or 72h30m");
const cron = z.string().regex(/^(\S+\s+){4}\S+$/, "expected a five-field cron expression");
const url = z.url();

const storage = z.strictObject({
  /** Keep data on a PersistentVolumeClaim (false: emptyDir, lost with the pod). */
  persistence: z.boolean(),
  /** PVC size. */
  size: quantity,
  /** StorageClass; the cluster default when unset. */
  storageClass: z.string().min(1).optional(),
});

const resources = z.strictObject({ cpu: quantity, memory: quantity });

const namespacesSchema = z.strictObject({
  /** Create the namespaces (false: they exist already; the names are still used). */
  enabled: z.boolean(),
  names: z.strictObject({
    workload: dnsLabel,
    gpuOperator: dnsLabel,
    monitoring: dnsLabel,
    logging: dnsLabel,
    tracing: dnsLabel,
    mesh: dnsLabel,
    backups: dnsLabel,
  }),
  /** ResourceQuota of the workload namespace. */
  workloadQuota: z.strictObject({
    requests: resources,
    limits: resources,
    gpus: z.int().min(0),
    pods: z.int().min(1),
    persistentVolumeClaims: z.int().min(0),
    storage: quantity,
  }),
  /** LimitRange of the workload namespace: per-container defaults and the ceiling. */
  workloadLimits: z.strictObject({ defaultRequest: resources, default: resources, max: resources }),
});

const gpuOperatorSchema = z.strictObject({
  enabled: z.boolean(),
  /** managed: the operator installs the driver (pinned `version`); false: the nodes have it preinstalled. */
  driver: z.strictObject({ managed: z.boolean(), version: z.string().min(1).optional() }),
  /** Install the NVIDIA container toolkit (false when the container runtime is configured already). */
  toolkit: z.boolean(),
  /** DCGM exporter with a ServiceMonitor (needs monitoring's CRDs). */
  dcgmExporter: z.boolean(),
  /** Sharing one GPU: none, time-slicing (`replicas` pods per GPU) or MIG (`migConfig` profile, `migStrategy`). */
  sharing: z.strictObject({
    mode: z.enum(["none", "time-slicing", "mig"]),
    replicas: z.int().min(2).max(48),
    migStrategy: z.enum(["single", "mixed"]),
    migConfig: z.string().regex(/^[a-z0-9.-]+$/, "expected a MIG profile name such as all-1g.10gb"),
  }),
  /** Labels of the nodes GPU discovery (and so every operand) runs on; empty: every node with an NVIDIA GPU. */
  nodeSelector: z.record(z.string(), z.string()),
});

const monitoringSchema = z.strictObject({
  /** Install kube-prometheus-stack (false: point `prometheusUrl` at an existing Prometheus). */
  enabled: z.boolean(),
  /** Prometheus of an existing installation, used by the adapter and exported when `enabled` is false. */
  prometheusUrl: url.optional(),
  prometheus: z.strictObject({
    replicas: z.int().min(1).max(5),
    retention: promDuration,
    /** Prometheus' size cap (e.g. 45GB): keep it below the volume size. */
    retentionSize: z.string().regex(/^\d+(B|KB|MB|GB|TB|PB)$/, "expected a size such as 45GB"),
    storage,
    resources,
  }),
  alertmanager: z.strictObject({
    replicas: z.int().min(1).max(5),
    storage,
    /** A critical alert still firing after this long also goes to the escalation receiver. */
    escalateAfter: promDuration,
    repeatInterval: z.strictObject({ critical: promDuration, warning: promDuration, info: promDuration }),
  }),
  grafana: z.strictObject({ storage }),
  /**
   * Scrape (and alert on) kube-controller-manager, kube-scheduler, kube-proxy and etcd. Off by default: managed
   * control planes and kubeadm's 127.0.0.1 binds cannot be scraped, and their critical ...Down alerts would page.
   */
  controlPlaneMonitors: z.boolean(),
  /** prometheus-adapter: serves `genai_requests_waiting` per pod as a custom metric to the HPA. */
  adapter: z.strictObject({ enabled: z.boolean(), replicas: z.int().min(1).max(5) }),
  /**
   * dashboards/*.json as ConfigMaps labelled for the Grafana sidecar, in the monitoring namespace. Independent of
   * `enabled`: an existing Grafana whose sidecar watches `grafana_dashboard=1` picks them up too.
   */
  dashboards: z.strictObject({ enabled: z.boolean() }),
});

const loggingSchema = z.strictObject({
  /** Install the ECK operator, Elasticsearch, Kibana and Filebeat. */
  enabled: z.boolean(),
  /** Elastic Stack version for Elasticsearch, Kibana and Filebeat. */
  stackVersion: z.string().regex(/^\d+\.\d+\.\d+$/, "expected x.y.z"),
  elasticsearch: z.strictObject({ nodes: z.int().min(1).max(9), storage, resources }),
  kibana: z.strictObject({ enabled: z.boolean(), replicas: z.int().min(1).max(5) }),
  /** ILM of `genai-logs-*`: roll over at this age/size, delete after `deleteAfterDays`. */
  retention: z.strictObject({
    rolloverAge: z.string().regex(/^\d+(h|d)$/, "expected an age such as 1d"),
    rolloverSize: z.string().regex(/^\d+(mb|gb)$/, "expected a size such as 10gb"),
    deleteAfterDays: z.int().min(1).max(3650),
  }),
});

const tracingSchema = z.strictObject({
  /** Deploy Jaeger (false: point `otlpEndpoint` at an existing collector). */
  enabled: z.boolean(),
  /** OTLP/HTTP endpoint of an existing collector, exported when `enabled` is false. */
  otlpEndpoint: url.optional(),
  /** memory: traces live in the pod (dev); elasticsearch: the logging cluster or `elasticsearchUrl` (prod). */
  storage: z.enum(["memory", "elasticsearch"]),
  /** Elasticsearch of an existing installation (https), instead of the logging component's. */
  elasticsearchUrl: url.optional(),
  /** Traces kept by the in-memory store. */
  maxTraces: z.int().min(1000),
  replicas: z.int().min(1).max(10),
  /** Requests of each Jaeger pod; the memory request is also its memory limit. */
  resources,
  /** CPU limit of each Jaeger pod (at least `resources.cpu`): a trace burst cannot starve its node. */
  cpuLimit: quantity,
});

const meshSchema = z.strictObject({
  /** Install Istio (base, istiod, ingress gateway). */
  enabled: z.boolean(),
  /** `<namespace>/<name>` of an existing Istio Gateway the workload binds to while `enabled` is false. */
  existingGateway: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "expected <namespace>/<name>")
    .optional(),
  /** Mesh-wide PeerAuthentication mode. */
  mtls: z.enum(["STRICT", "PERMISSIVE"]),
  istiodReplicas: z.int().min(1).max(10),
  gateway: z.strictObject({
    replicas: z.int().min(1).max(20),
    serviceType: z.enum(["LoadBalancer", "NodePort", "ClusterIP"]),
    /** Hosts the shared Gateway accepts (`*`: any). */
    hosts: z.array(hostname).min(1),
    /** Name of the Secret holding the gateway's TLS certificate (created from `genai:gatewayTls` or @pulumi/tls). */
    tlsSecretName: dnsLabel,
  }),
});

const backupsSchema = z.strictObject({
  /** Install Velero with the S3-compatible location below (credentials: `genai:backupsCredentials`, secret). */
  enabled: z.boolean(),
  s3: z.strictObject({
    /** No default: required while backups are enabled. */
    bucket: z.string().min(3).optional(),
    /** e.g. https://minio.backup.internal:9000. No default: required while backups are enabled. */
    endpoint: url.optional(),
    region: z.string().min(1),
    prefix: z.string().min(1).optional(),
    insecureSkipTlsVerify: z.boolean(),
  }),
  /** Back up pod volumes with Velero's node agent (the model cache volume is one). */
  fileSystemBackup: z.boolean(),
  schedules: z.strictObject({
    /** Workload namespace (model cache volume included) and observability configs. */
    frequent: z.strictObject({ cron, ttl: goDuration }),
    /** Every platform namespace with its volumes. */
    full: z.strictObject({ cron, ttl: goDuration }),
  }),
});

const kubernetesSchema = z.strictObject({
  /** kubeconfig context; the ambient one when unset. */
  context: z.string().min(1).optional(),
  /** Path or contents of a kubeconfig; the ambient one when unset. */
  kubeconfig: z.string().min(1).optional(),
  /**
   * Write manifests to this directory instead of applying them (no cluster needed). Charts are then rendered from
   * `genai:charts.localDir`, or skipped with a warning when it is unset (helm.v3.Release needs a cluster).
   */
  renderYamlToDirectory: z.string().min(1).optional(),
});

const chartsSchema = z.strictObject({
  /** Read charts from `<localDir>/<chart>-<version>.tgz` instead of their repositories (air-gapped installs). */
  localDir: z.string().min(1).optional(),
  /** Kubernetes version charts are rendered for in render-only mode (there is no cluster to ask). */
  kubeVersion: z
    .string()
    .regex(/^v?1\.\d+\.\d+$/, "expected a Kubernetes version such as 1.34.0")
    .optional(),
});

/** Every `genai:` key except `environment`, `inference` and the secrets: the cluster services. */
const settingsSchema = z.strictObject({
  kubernetes: kubernetesSchema,
  charts: chartsSchema,
  namespaces: namespacesSchema,
  gpuOperator: gpuOperatorSchema,
  monitoring: monitoringSchema,
  logging: loggingSchema,
  tracing: tracingSchema,
  mesh: meshSchema,
  backups: backupsSchema,
});

export type ClusterSettings = z.infer<typeof settingsSchema>;
export type NamespacesConfig = ClusterSettings["namespaces"];
export type GpuOperatorConfig = ClusterSettings["gpuOperator"];
export type MonitoringConfig = ClusterSettings["monitoring"];
export type LoggingConfig = ClusterSettings["logging"];
export type TracingConfig = ClusterSettings["tracing"];
export type MeshConfig = ClusterSettings["mesh"];
export type BackupsConfig = ClusterSettings["backups"];
export type KubernetesConfig = ClusterSettings["kubernetes"];
export type ChartsConfig = ClusterSettings["charts"];
export type StorageConfig = z.infer<typeof storage>;
export type ResourcesConfig = z.infer<typeof resources>;

const SEVERITIES = ["critical", "warning", "info", "escalation"] as const;
export type AlertReceiver = (typeof SEVERITIES)[number];

/** Secret keys: set with `pulumi config set --secret`. Read once and kept as secret Outputs. */
const secretSchemas = {
  /** Access key of the S3-compatible backup location. Required when backups are enabled. */
  backupsCredentials: z.strictObject({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }),
  /** PEM certificate and key of the ingress gateway; a self-signed one from @pulumi/tls when unset. */
  gatewayTls: z.strictObject({
    certificate: z.string().includes("BEGIN CERTIFICATE"),
    privateKey: z.string().includes("PRIVATE KEY"),
  }),
  /** Webhook URL per Alertmanager receiver (they carry tokens, hence secret); unset receivers deliver nowhere. */
  /** Password of the image registry user `genai:inference.image.build.username` (see docs/workload). */
  registryPassword: z.string().min(1),
  alertWebhooks: z.strictObject(
    Object.fromEntries(SEVERITIES.map((s) => [s, url.optional()])) as Record<
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
  readonly alertWebhooks?: {
    receivers: AlertReceiver[];
    urls: pulumi.Output<Partial<Record<AlertReceiver, string>>>;
  };
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

const smallStorage = (size: string) => ({ persistence: false, size });

/** Defaults shared by every environment (the dev footprint); the presets below change what differs. */
const base: ClusterSettings = {
  kubernetes: {},
  charts: {},
  namespaces: {
    enabled: true,
    names: {
      workload: "genai",
      gpuOperator: "gpu-operator",
      monitoring: "monitoring",
      logging: "logging",
      tracing: "tracing",
      mesh: "istio-system",
      backups: "velero",
    },
    workloadQuota: {
      requests: { cpu: "8", memory: "16Gi" },
      limits: { cpu: "16", memory: "32Gi" },
      gpus: 1,
      pods: 40,
      persistentVolumeClaims: 10,
      storage: "100Gi",
    },
    workloadLimits: {
      defaultRequest: { cpu: "100m", memory: "128Mi" },
      default: { cpu: "500m", memory: "512Mi" },
      max: { cpu: "8", memory: "16Gi" },
    },
  },
  gpuOperator: {
    enabled: false,
    driver: { managed: false },
    toolkit: true,
    dcgmExporter: true,
    sharing: { mode: "none", replicas: 4, migStrategy: "single", migConfig: "all-1g.10gb" },
    nodeSelector: {},
  },
  monitoring: {
    enabled: true,
    prometheus: {
      replicas: 1,
      retention: "3d",
      retentionSize: "8GB",
      storage: smallStorage("10Gi"),
      resources: { cpu: "500m", memory: "2Gi" },
    },
    alertmanager: {
      replicas: 1,
      storage: smallStorage("1Gi"),
      escalateAfter: "30m",
      repeatInterval: { critical: "1h", warning: "4h", info: "24h" },
    },
    grafana: { storage: smallStorage("1Gi") },
    controlPlaneMonitors: false,
    adapter: { enabled: true, replicas: 1 },
    dashboards: { enabled: true },
  },
  logging: {
    enabled: true,
    stackVersion: "9.2.0",
    elasticsearch: {
      nodes: 1,
      storage: { persistence: true, size: "5Gi" },
      resources: { cpu: "1", memory: "2Gi" },
    },
    kibana: { enabled: true, replicas: 1 },
    retention: { rolloverAge: "1d", rolloverSize: "5gb", deleteAfterDays: 3 },
  },
  tracing: {
    enabled: true,
    storage: "memory",
    maxTraces: 50000,
    replicas: 1,
    resources: { cpu: "500m", memory: "1Gi" },
    cpuLimit: "1",
  },
  mesh: {
    enabled: true,
    mtls: "STRICT",
    istiodReplicas: 1,
    gateway: { replicas: 1, serviceType: "NodePort", hosts: ["*"], tlsSecretName: "genai-gateway-tls" },
  },
  backups: {
    enabled: false,
    s3: {
      region: "minio",
      insecureSkipTlsVerify: false,
    },
    fileSystemBackup: true,
    // The original design: a backup every 4 hours and a daily full one.
    schedules: { frequent: { cron: "0 */4 * * *", ttl: "168h" }, full: { cron: "30 1 * * *", ttl: "720h" } },
  },
};

const persistent = (size: string) => ({ persistence: true, size });

/** Per environment: dev is the base; prod is HA with persistence; ci turns every chart-based service off. */
export const CLUSTER_PRESETS: Readonly<Record<Environment, DeepPartial<ClusterSettings>>> = {
  dev: {},
  prod: {
    namespaces: {
      workloadQuota: {
        requests: { cpu: "96", memory: "384Gi" },
        limits: { cpu: "160", memory: "640Gi" },
        // The chat model: replicas.max 20 + canary.replicas.max 4, one GPU each (the embeddings model runs on CPU).
        gpus: 24,
        pods: 200,
        persistentVolumeClaims: 40,
        storage: "2Ti",
      },
      workloadLimits: { max: { cpu: "32", memory: "128Gi" } },
    },
    gpuOperator: { enabled: true, sharing: { mode: "time-slicing", replicas: 2 } },
    monitoring: {
      prometheus: {
        replicas: 2,
        retention: "30d",
        retentionSize: "180GB",
        storage: persistent("200Gi"),
        resources: { cpu: "2", memory: "8Gi" },
      },
      alertmanager: { replicas: 3, storage: persistent("5Gi") },
      grafana: { storage: persistent("10Gi") },
      adapter: { replicas: 2 },
    },
    logging: {
      elasticsearch: { nodes: 3, storage: persistent("200Gi"), resources: { cpu: "2", memory: "8Gi" } },
      kibana: { replicas: 2 },
      retention: { rolloverSize: "30gb", deleteAfterDays: 30 },
    },
    tracing: {
      storage: "elasticsearch",
      replicas: 2,
      resources: { cpu: "1", memory: "2Gi" },
      cpuLimit: "2",
    },
    mesh: { istiodReplicas: 2, gateway: { replicas: 3, serviceType: "LoadBalancer" } },
    backups: { enabled: true },
  },
  ci: {
    // The chat model: replicas.max 4 + canary.replicas.max 2, one GPU each (the embeddings model runs on CPU).
    namespaces: { workloadQuota: { gpus: 6 } },
    gpuOperator: { enabled: false },
    monitoring: { enabled: false, adapter: { enabled: false } },
    logging: { enabled: false },
    tracing: { enabled: false },
    mesh: { enabled: false },
    backups: { enabled: false },
  },
};

const inputSchema = deepPartialSchema(settingsSchema) as z.ZodObject;
const TOP_LEVEL_KEYS = [
  "environment",
  "inference",
  "models",
  ...Object.keys(settingsSchema.shape),
  ...SECRET_KEYS,
] as const;

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
  for (const key of Object.keys(settingsSchema.shape) as (keyof ClusterSettings)[]) {
    const fullKey = `${CONFIG_NAMESPACE}:${key}`;
    const sectionInput = inputSchema.shape[key] as z.ZodType;
    const sectionSchema = settingsSchema.shape[key] as z.ZodType;
    const input = sectionInput.safeParse(raw[key] ?? {});
    if (!input.success) throw configErrorFromZod(fullKey, input.error);
    const preset = mergeBySchema(sectionSchema, base[key], CLUSTER_PRESETS[environment][key]);
    const merged = sectionSchema.safeParse(mergeBySchema(sectionSchema, preset, input.data));
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
      receivers: SEVERITIES.filter((s) => webhooks[s] !== undefined),
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
