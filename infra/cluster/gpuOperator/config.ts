import { z } from "zod";
import type { ComponentConfig } from "../../shared/componentConfig.js";

export const gpuOperatorSchema = z.strictObject({
  enabled: z.boolean(),
  /** managed: the operator installs the driver (pinned `version`); false: the nodes have it preinstalled. */
  driver: z.strictObject({
    managed: z.boolean(),
    version: z
      .string()
      .min(1)
      .optional()
      .describe("driver version the operator installs; required when `gpuOperator.driver.managed` is true"),
  }),
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

export type GpuOperatorConfig = z.infer<typeof gpuOperatorSchema>;

/** `genai:gpuOperator`: off in dev and ci (no GPU nodes), time-slicing two pods per GPU in prod. */
export const gpuOperatorConfig: ComponentConfig<GpuOperatorConfig> = {
  key: "gpuOperator",
  schema: gpuOperatorSchema,
  defaults: {
    enabled: false,
    driver: { managed: false },
    toolkit: true,
    dcgmExporter: true,
    sharing: { mode: "none", replicas: 4, migStrategy: "single", migConfig: "all-1g.10gb" },
    nodeSelector: {},
  },
  presets: {
    dev: {},
    prod: { enabled: true, sharing: { mode: "time-slicing", replicas: 2 } },
    ci: { enabled: false },
  },
};
