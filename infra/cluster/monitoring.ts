import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AlertReceiver, MonitoringConfig, PlatformSecrets, StorageConfig } from "../config.js";
import { CHARTS, installChart } from "./charts.js";
import { childOptions, type ClusterComponentArgs, serviceUrl } from "./common.js";
import { alertmanagerConfig, WEBHOOK_SECRET } from "./alertmanager.js";

export interface MonitoringArgs extends ClusterComponentArgs {
  /** Install kube-prometheus-stack. Default: true (false: only the adapter, against `prometheusUrl`). */
  readonly installStack?: boolean;
  /** Existing Prometheus when `installStack` is false. Default: none. */
  readonly prometheusUrl?: string;
  /** Prometheus replicas, retention, storage, resources. Default: genai:monitoring.prometheus of the environment. */
  readonly prometheus: MonitoringConfig["prometheus"];
  /** Alertmanager replicas, storage, escalation and repeat intervals. Default: genai:monitoring.alertmanager. */
  readonly alertmanager: MonitoringConfig["alertmanager"];
  /** Grafana storage. Default: genai:monitoring.grafana. */
  readonly grafana: MonitoringConfig["grafana"];
  /** Scrape and alert on the control plane's components (see CONTROL_PLANE_COMPONENTS). Default: false. */
  readonly controlPlaneMonitors?: boolean;
  /** prometheus-adapter (custom metric `genai_requests_waiting` for the HPA). Default: genai:monitoring.adapter. */
  readonly adapter: MonitoringConfig["adapter"];
  /** Webhook URL per receiver (secret). Default: none (receivers deliver nowhere). */
  readonly alertWebhooks?: PlatformSecrets["alertWebhooks"];
  /** Extra Grafana datasources (e.g. Jaeger, Elasticsearch). Default: none. */
  readonly datasources?: pulumi.Input<GrafanaDatasource[]>;
}

export interface GrafanaDatasource {
  name: string;
  type: string;
  uid: string;
  url: string;
  access: "proxy";
  jsonData?: Record<string, unknown>;
}

/** Release name; fixed so the services have predictable names (`kps-prometheus`, `kps-alertmanager`). */
const STACK_NAME = "kps";
const GRAFANA_NAME = "grafana";
/** Pod and Deployment labels kube-state-metrics exports (infra/workload/labels.ts sets them). */
export const KSM_LABELS = ["app.kubernetes.io/name", "app.kubernetes.io/component", "track"];
/** The annotation infra/observability writes the Grafana folder of a dashboard ConfigMap into. */
export const DASHBOARD_FOLDER_ANNOTATION = "grafana_folder";
/** The custom metric the HPA scales on (DESIGN.md section 5). */
export const QUEUE_METRIC = "genai_requests_waiting";

/**
 * kube-prometheus-stack (Prometheus, Alertmanager with severity routes and escalation, Grafana with the dashboard
 * sidecar) and prometheus-adapter serving `genai_requests_waiting` per pod to the HPA.
 */
export class Monitoring extends pulumi.ComponentResource {
  /** The kube-prometheus-stack release: ServiceMonitors, PodMonitors and PrometheusRules depend on it (CRDs). */
  public readonly crds?: pulumi.Resource;
  public readonly prometheusUrl: pulumi.Output<string>;
  public readonly alertmanagerUrl?: pulumi.Output<string>;
  public readonly grafanaUrl?: pulumi.Output<string>;
  /** Grafana's generated admin password (secret). */
  public readonly grafanaAdminPassword?: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:cluster:Monitoring", name, {}, opts);
    const installStack = args.installStack ?? true;
    const charts = args.charts ?? {};

    if (installStack) {
      const password = new random.RandomPassword(
        `${name}-grafana-admin`,
        { length: 32, special: false },
        { parent: this },
      );
      const adminSecret = new k8s.core.v1.Secret(
        `${name}-grafana-admin`,
        {
          metadata: { name: "grafana-admin", namespace: args.namespace },
          stringData: { "admin-user": "admin", "admin-password": pulumi.secret(password.result) },
        },
        childOptions(this, args.provider),
      );
      const webhookSecret = args.alertWebhooks
        ? new k8s.core.v1.Secret(
            `${name}-alert-webhooks`,
            {
              metadata: { name: WEBHOOK_SECRET, namespace: args.namespace },
              stringData: webhookData(args.alertWebhooks),
            },
            childOptions(this, args.provider),
          )
        : undefined;
      this.crds = installChart(
        `${name}-kps`,
        {
          spec: CHARTS.kubePrometheusStack,
          charts,
          releaseName: STACK_NAME,
          namespace: args.namespace,
          values: stackValues(args, adminSecret.metadata.name, webhookSecret?.metadata.name),
        },
        childOptions(this, args.provider, webhookSecret ? [adminSecret, webhookSecret] : [adminSecret]),
      );
      this.prometheusUrl = serviceUrl(`${STACK_NAME}-prometheus`, args.namespace, 9090);
      this.alertmanagerUrl = serviceUrl(`${STACK_NAME}-alertmanager`, args.namespace, 9093);
      this.grafanaUrl = serviceUrl(GRAFANA_NAME, args.namespace, 80);
      this.grafanaAdminPassword = pulumi.secret(password.result);
    } else if (args.prometheusUrl) {
      this.prometheusUrl = pulumi.output(args.prometheusUrl);
    } else {
      throw new Error(`${name}: prometheusUrl is required when installStack is false`);
    }

    if (args.adapter.enabled) {
      installChart(
        `${name}-adapter`,
        {
          spec: CHARTS.prometheusAdapter,
          charts,
          releaseName: "prometheus-adapter",
          namespace: args.namespace,
          values: this.prometheusUrl.apply((url) => adapterValues(url, args.adapter.replicas)),
        },
        childOptions(this, args.provider, this.crds ? [this.crds] : []),
      );
    }
    this.registerOutputs({
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
      grafanaUrl: this.grafanaUrl,
      grafanaAdminPassword: this.grafanaAdminPassword,
    });
  }
}

function webhookData(
  webhooks: NonNullable<PlatformSecrets["alertWebhooks"]>,
): pulumi.Output<Record<string, string>> {
  return pulumi.secret(
    webhooks.urls.apply((urls) =>
      Object.fromEntries(webhooks.receivers.map((r: AlertReceiver) => [r, urls[r] ?? ""])),
    ),
  );
}

/**
 * kube-prometheus-stack's control-plane targets: each key switches its Service, ServiceMonitor and alert rules
 * (KubeControllerManagerDown, KubeSchedulerDown, KubeProxyDown, etcdMembersDown, ...). Managed control planes do
 * not expose them and kubeadm binds them to 127.0.0.1, so left on they fire critical alerts that never resolve.
 */
export const CONTROL_PLANE_COMPONENTS = [
  "kubeControllerManager",
  "kubeScheduler",
  "kubeProxy",
  "kubeEtcd",
] as const;
type ControlPlaneComponent = (typeof CONTROL_PLANE_COMPONENTS)[number];

/** The kube-prometheus-stack values this platform sets (the chart's defaults cover the rest). */
export interface KubePrometheusStackValues extends Record<ControlPlaneComponent, { enabled: boolean }> {
  fullnameOverride: string;
  crds: { enabled: boolean };
  prometheus: {
    prometheusSpec: {
      replicas: number;
      retention: string;
      retentionSize: string;
      resources: ResourceRequirements;
      podAntiAffinity: "" | "soft" | "hard";
      // false: select every ServiceMonitor/PodMonitor/PrometheusRule, not only this release's.
      serviceMonitorSelectorNilUsesHelmValues: boolean;
      podMonitorSelectorNilUsesHelmValues: boolean;
      ruleSelectorNilUsesHelmValues: boolean;
      probeSelectorNilUsesHelmValues: boolean;
      storageSpec?: { volumeClaimTemplate: VolumeClaimTemplate };
    };
  };
  alertmanager: {
    config: pulumi.Input<Record<string, unknown>>;
    alertmanagerSpec: {
      replicas: number;
      podAntiAffinity: "" | "soft" | "hard";
      secrets: pulumi.Input<string>[];
      storage?: { volumeClaimTemplate: VolumeClaimTemplate };
    };
  };
  "kube-state-metrics": { metricLabelsAllowlist: string[] };
  grafana: {
    fullnameOverride: string;
    admin: { existingSecret: pulumi.Input<string>; userKey: string; passwordKey: string };
    persistence: { enabled: boolean; size: string; storageClassName?: string };
    deploymentStrategy?: { type: "Recreate" };
    sidecar: {
      dashboards: {
        enabled: boolean;
        label: string;
        labelValue: string;
        searchNamespace: string;
        folderAnnotation: string;
        provider: { foldersFromFilesStructure: boolean };
      };
    };
    additionalDataSources?: pulumi.Input<GrafanaDatasource[]>;
  };
}

interface ResourceRequirements {
  requests: { cpu: string; memory: string };
  limits: { memory: string };
}

interface VolumeClaimTemplate {
  spec: { accessModes: string[]; storageClassName?: string; resources: { requests: { storage: string } } };
}

function volumeClaim(storage: StorageConfig): { volumeClaimTemplate: VolumeClaimTemplate } | undefined {
  if (!storage.persistence) return undefined;
  return {
    volumeClaimTemplate: {
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: storage.storageClass,
        resources: { requests: { storage: storage.size } },
      },
    },
  };
}

/** One replica per node when there are several: losing a node must not lose the service. */
const antiAffinity = (replicas: number) => (replicas > 1 ? "hard" : "");

function stackValues(
  args: MonitoringArgs,
  adminSecret: pulumi.Input<string>,
  webhookSecret: pulumi.Input<string> | undefined,
): KubePrometheusStackValues {
  const { prometheus, alertmanager, grafana } = args;
  return {
    fullnameOverride: STACK_NAME,
    crds: { enabled: true },
    prometheus: {
      prometheusSpec: {
        replicas: prometheus.replicas,
        retention: prometheus.retention,
        retentionSize: prometheus.retentionSize,
        resources: {
          requests: { cpu: prometheus.resources.cpu, memory: prometheus.resources.memory },
          limits: { memory: prometheus.resources.memory },
        },
        podAntiAffinity: antiAffinity(prometheus.replicas),
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        storageSpec: volumeClaim(prometheus.storage),
      },
    },
    alertmanager: {
      config: alertmanagerConfig(alertmanager, args.alertWebhooks?.receivers ?? []),
      alertmanagerSpec: {
        replicas: alertmanager.replicas,
        podAntiAffinity: antiAffinity(alertmanager.replicas),
        secrets: webhookSecret ? [webhookSecret] : [],
        storage: volumeClaim(alertmanager.storage),
      },
    },
    // kube_deployment_labels / kube_pod_labels carry only allowed labels; the inference alerts
    // (GenAINoReadyReplicas, GenAIPodRestarting) join on these three.
    ...controlPlaneValues(args.controlPlaneMonitors ?? false),
    "kube-state-metrics": {
      metricLabelsAllowlist: ["deployments", "pods"].map((kind) => `${kind}=[${KSM_LABELS.join(",")}]`),
    },
    grafana: {
      fullnameOverride: GRAFANA_NAME,
      admin: { existingSecret: adminSecret, userKey: "admin-user", passwordKey: "admin-password" },
      persistence: {
        enabled: grafana.storage.persistence,
        size: grafana.storage.size,
        storageClassName: grafana.storage.storageClass,
      },
      // The chart's volume is ReadWriteOnce: a rolling update's new pod on another node would wait forever for the
      // old pod's volume (Multi-Attach), so the old pod goes first.
      deploymentStrategy: grafana.storage.persistence ? { type: "Recreate" } : undefined,
      // Dashboards are ConfigMaps labelled grafana_dashboard="1" in any namespace (infra/observability makes them);
      // their `grafana_folder` annotation names the folder, which needs folders from the file structure.
      sidecar: {
        dashboards: {
          enabled: true,
          label: "grafana_dashboard",
          labelValue: "1",
          searchNamespace: "ALL",
          folderAnnotation: DASHBOARD_FOLDER_ANNOTATION,
          provider: { foldersFromFilesStructure: true },
        },
      },
      additionalDataSources: args.datasources,
    },
  };
}

function controlPlaneValues(enabled: boolean): Record<ControlPlaneComponent, { enabled: boolean }> {
  return Object.fromEntries(CONTROL_PLANE_COMPONENTS.map((c) => [c, { enabled }])) as Record<
    ControlPlaneComponent,
    { enabled: boolean }
  >;
}

/** The prometheus-adapter values this platform sets. */
export interface PrometheusAdapterValues {
  prometheus: { url: string; port: number; path: string };
  replicas: number;
  rules: { default: boolean; custom: AdapterRule[] };
}

interface AdapterRule {
  seriesQuery: string;
  resources: { overrides: Record<string, { resource: string }> };
  name: { matches: string; as: string };
  metricsQuery: string;
}

/** Splits the Prometheus URL into the adapter's url/port/path values. */
export function adapterValues(prometheusUrl: string, replicas: number): PrometheusAdapterValues {
  const url = new URL(prometheusUrl);
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return {
    prometheus: {
      url: `${url.protocol}//${url.hostname}`,
      port,
      path: url.pathname === "/" ? "" : url.pathname,
    },
    replicas,
    rules: {
      // Only the rule the HPA needs: the default rules expose every series and cost memory.
      default: false,
      custom: [
        {
          seriesQuery: `${QUEUE_METRIC}{namespace!="",pod!=""}`,
          resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
          name: { matches: `^${QUEUE_METRIC}$`, as: QUEUE_METRIC },
          metricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
        },
      ],
    },
  };
}
