import { z } from "zod";
import type { ComponentConfig } from "../../shared/componentConfig.js";
import { resourcesSchema, storageSchema } from "../../shared/validators.js";

export const loggingSchema = z.strictObject({
  /** Install the ECK operator, Elasticsearch, Kibana and Filebeat. */
  enabled: z.boolean(),
  /** Elastic Stack version for Elasticsearch, Kibana and Filebeat. */
  stackVersion: z.string().regex(/^\d+\.\d+\.\d+$/, "expected x.y.z"),
  elasticsearch: z.strictObject({
    nodes: z.int().min(1).max(9),
    storage: storageSchema,
    resources: resourcesSchema,
  }),
  kibana: z.strictObject({ enabled: z.boolean(), replicas: z.int().min(1).max(5) }),
  /** ILM of `genai-logs-*`: roll over at this age/size, delete after `deleteAfterDays`. */
  retention: z.strictObject({
    rolloverAge: z.string().regex(/^\d+(h|d)$/, "expected an age such as 1d"),
    rolloverSize: z.string().regex(/^\d+(mb|gb)$/, "expected a size such as 10gb"),
    deleteAfterDays: z.int().min(1).max(3650),
  }),
});

export type LoggingConfig = z.infer<typeof loggingSchema>;

/** `genai:logging`: one Elasticsearch node in dev, three with 200Gi each in prod, off in ci. */
export const loggingConfig: ComponentConfig<LoggingConfig> = {
  key: "logging",
  schema: loggingSchema,
  defaults: {
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
  presets: {
    dev: {},
    prod: {
      elasticsearch: {
        nodes: 3,
        storage: { persistence: true, size: "200Gi" },
        resources: { cpu: "2", memory: "8Gi" },
      },
      kibana: { replicas: 2 },
      retention: { rolloverSize: "30gb", deleteAfterDays: 30 },
    },
    ci: { enabled: false },
  },
};
