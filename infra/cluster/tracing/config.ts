import { z } from "zod";
import type { ComponentConfig } from "../../shared/componentConfig.js";
import { quantity, resourcesSchema, url } from "../../shared/validators.js";

export const tracingSchema = z.strictObject({
  /** Deploy Jaeger (false: point `otlpEndpoint` at an existing collector). */
  enabled: z.boolean(),
  /** OTLP/HTTP endpoint of an existing collector, exported when `enabled` is false. */
  otlpEndpoint: url
    .optional()
    .describe("an existing OTLP/HTTP collector, exported as `otlpEndpoint` when `tracing.enabled` is false"),
  /** memory: traces live in the pod (dev); elasticsearch: the logging cluster or `elasticsearchUrl` (prod). */
  storage: z.enum(["memory", "elasticsearch"]),
  /** Elasticsearch of an existing installation (https), instead of the logging component's. */
  elasticsearchUrl: url
    .optional()
    .describe("an existing Elasticsearch (https) for traces instead of the logging cluster"),
  /** Traces kept by the in-memory store. */
  maxTraces: z.int().min(1000),
  replicas: z.int().min(1).max(10),
  /** Requests of each Jaeger pod; the memory request is also its memory limit. */
  resources: resourcesSchema,
  /** CPU limit of each Jaeger pod (at least `resources.cpu`): a trace burst cannot starve its node. */
  cpuLimit: quantity,
});

export type TracingConfig = z.infer<typeof tracingSchema>;

/** `genai:tracing`: Jaeger keeping traces in memory in dev, in Elasticsearch with two replicas in prod, off in ci. */
export const tracingConfig: ComponentConfig<TracingConfig> = {
  key: "tracing",
  schema: tracingSchema,
  defaults: {
    enabled: true,
    storage: "memory",
    maxTraces: 50000,
    replicas: 1,
    resources: { cpu: "500m", memory: "1Gi" },
    cpuLimit: "1",
  },
  presets: {
    dev: {},
    prod: { storage: "elasticsearch", replicas: 2, resources: { cpu: "1", memory: "2Gi" }, cpuLimit: "2" },
    ci: { enabled: false },
  },
};
