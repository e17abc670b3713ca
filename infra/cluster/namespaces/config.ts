import { z } from "zod";
import type { ComponentConfig } from "../../shared/componentConfig.js";
import { dnsLabel, quantity, resourcesSchema } from "../../shared/validators.js";

export const namespacesSchema = z.strictObject({
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
    requests: resourcesSchema,
    limits: resourcesSchema,
    gpus: z.int().min(0),
    pods: z.int().min(1),
    persistentVolumeClaims: z.int().min(0),
    storage: quantity,
  }),
  /** LimitRange of the workload namespace: per-container defaults and the ceiling. */
  workloadLimits: z.strictObject({
    defaultRequest: resourcesSchema,
    default: resourcesSchema,
    max: resourcesSchema,
  }),
});

export type NamespacesConfig = z.infer<typeof namespacesSchema>;
/** The concerns that get a namespace each. */
export type Concern = keyof NamespacesConfig["names"];

/** `genai:namespaces`. The names are also every other component's default namespace. */
export const namespacesConfig: ComponentConfig<NamespacesConfig> = {
  key: "namespaces",
  schema: namespacesSchema,
  defaults: {
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
  presets: {
    dev: {},
    prod: {
      workloadQuota: {
        requests: { cpu: "96", memory: "384Gi" },
        limits: { cpu: "160", memory: "640Gi" },
        // The chat model: replicas.max 20 + canary.replicas.max 4, one GPU each (the embeddings model runs on CPU;
        // the cross-key rule in infra/config.ts).
        gpus: 24,
        pods: 200,
        persistentVolumeClaims: 40,
        storage: "2Ti",
      },
      workloadLimits: { max: { cpu: "32", memory: "128Gi" } },
    },
    // The chat model: replicas.max 4 + canary.replicas.max 2, one GPU each (the embeddings model runs on CPU).
    ci: { workloadQuota: { gpus: 6 } },
  },
};

/** The default namespace of each concern: where a standalone component installs when given none. */
export const DEFAULT_NAMESPACES: Readonly<Record<Concern, string>> = namespacesConfig.defaults.names;
