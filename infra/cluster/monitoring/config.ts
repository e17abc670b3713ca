import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { ComponentConfig } from "../../shared/componentConfig.js";
import { promDuration, resourcesSchema, storageSchema, url } from "../../shared/validators.js";

export const monitoringSchema = z.strictObject({
  /** Install kube-prometheus-stack (false: point `prometheusUrl` at an existing Prometheus). */
  enabled: z.boolean(),
  /** Prometheus of an existing installation, used by the adapter and exported when `enabled` is false. */
  prometheusUrl: url
    .optional()
    .describe(
      "an existing Prometheus (`http://prometheus.ops.svc:9090`); required when `monitoring.enabled` is false and the adapter is on",
    ),
  prometheus: z.strictObject({
    replicas: z.int().min(1).max(5),
    retention: promDuration,
    /** Prometheus' size cap (e.g. 45GB): keep it below the volume size. */
    retentionSize: z.string().regex(/^\d+(B|KB|MB|GB|TB|PB)$/, "expected a size such as 45GB"),
    storage: storageSchema,
    resources: resourcesSchema,
  }),
  alertmanager: z.strictObject({
    replicas: z.int().min(1).max(5),
    storage: storageSchema,
    /** A critical alert still firing after this long also goes to the escalation receiver. */
    escalateAfter: promDuration,
    repeatInterval: z.strictObject({ critical: promDuration, warning: promDuration, info: promDuration }),
  }),
  grafana: z.strictObject({ storage: storageSchema }),
  /**
   * Scrape (and alert on) kube-controller-manager, kube-scheduler, kube-proxy and etcd. Off by default: managed
   * control planes and kubeadm's 127.0.0.1 binds cannot be scraped, and their critical ...Down alerts would page.
   */
  controlPlaneMonitors: z
    .boolean()
    .describe(
      "scrape and alert on controller-manager, scheduler, kube-proxy and etcd (unscrapeable on managed control planes)",
    ),
  /** prometheus-adapter: serves `genai_requests_waiting` per pod as a custom metric to the HPA. */
  adapter: z.strictObject({ enabled: z.boolean(), replicas: z.int().min(1).max(5) }),
  /**
   * dashboards/*.json as ConfigMaps labelled for the Grafana sidecar, in the monitoring namespace. Independent of
   * `enabled`: an existing Grafana whose sidecar watches `grafana_dashboard=1` picks them up too.
   */
  dashboards: z.strictObject({ enabled: z.boolean() }),
});

export type MonitoringConfig = z.infer<typeof monitoringSchema>;

/** Alertmanager's receivers, one per severity plus the escalation of critical alerts. */
export const ALERT_RECEIVERS = ["critical", "warning", "info", "escalation"] as const;
export type AlertReceiver = (typeof ALERT_RECEIVERS)[number];

/** Webhook URL per receiver. Which receivers have one is known at plan time; the URLs themselves stay secret. */
export interface AlertWebhooks {
  readonly receivers: AlertReceiver[];
  readonly urls: pulumi.Output<Partial<Record<AlertReceiver, string>>>;
}

const ephemeral = (size: string) => ({ persistence: false, size });
const persistent = (size: string) => ({ persistence: true, size });

/** `genai:monitoring`: one small ephemeral replica each in dev, HA with persistence in prod, off in ci. */
export const monitoringConfig: ComponentConfig<MonitoringConfig> = {
  key: "monitoring",
  schema: monitoringSchema,
  defaults: {
    enabled: true,
    prometheus: {
      replicas: 1,
      retention: "3d",
      retentionSize: "8GB",
      storage: ephemeral("10Gi"),
      resources: { cpu: "500m", memory: "2Gi" },
    },
    alertmanager: {
      replicas: 1,
      storage: ephemeral("1Gi"),
      escalateAfter: "30m",
      repeatInterval: { critical: "1h", warning: "4h", info: "24h" },
    },
    grafana: { storage: ephemeral("1Gi") },
    controlPlaneMonitors: false,
    adapter: { enabled: true, replicas: 1 },
    dashboards: { enabled: true },
  },
  presets: {
    dev: {},
    prod: {
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
    ci: { enabled: false, adapter: { enabled: false } },
  },
};
