import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Backups } from "./cluster/backups/index.js";
import { present } from "./cluster/charts.js";
import { GpuOperator } from "./cluster/gpuOperator/index.js";
import { Logging } from "./cluster/logging/index.js";
import { istiodPods, Mesh } from "./cluster/mesh/index.js";
import { type GrafanaDatasource, Monitoring, prometheusPods } from "./cluster/monitoring/index.js";
import { type Concern, Namespaces } from "./cluster/namespaces/index.js";
import {
  jaegerCollectorPods,
  jaegerQueryUrl,
  Tracing,
  TRACE_INDEX_PREFIX,
  type TraceStorage,
} from "./cluster/tracing/index.js";
import type { PlatformConfig } from "./config.js";
import { AlertRules, Dashboards } from "./observability/index.js";
import { ModelEndpoint } from "./workload/index.js";

export interface GenAIPlatformArgs {
  /** The validated stack config (see `loadConfig`/`parseConfig` in infra/config.ts). Required. */
  readonly config: PlatformConfig;
  /** Kubernetes provider for every child. Default: one built from `config.kubernetes`. */
  readonly provider?: k8s.Provider;
}

/**
 * The whole platform: namespaces, the cluster services (each switchable off), then the workload.
 * Outputs are what users and other stacks need: endpoints, namespaces, the gateway.
 */
export class GenAIPlatform extends pulumi.ComponentResource {
  public readonly provider: k8s.Provider;
  /** Namespace name per concern. */
  public readonly namespaces: Record<Concern, pulumi.Output<string>>;
  public readonly gpuOperator?: GpuOperator;
  public readonly monitoring?: Monitoring;
  public readonly logging?: Logging;
  public readonly tracing?: Tracing;
  public readonly mesh?: Mesh;
  public readonly backups?: Backups;
  /** Prometheus the platform scrapes into (installed or existing). */
  public readonly prometheusUrl?: pulumi.Output<string>;
  /** `<namespace>/<name>` of the shared Istio Gateway (installed, or genai:mesh.existingGateway). */
  public readonly gatewayRef?: pulumi.Output<string>;
  /** OTLP/HTTP endpoint for the workload's traces (installed Jaeger or genai:tracing.otlpEndpoint). */
  public readonly otlpEndpoint?: pulumi.Output<string>;
  /** Every model of genai:models behind one gateway (infra/workload, infra/gateway): endpoint, canary weights, API keys (secret). */
  public readonly inference: ModelEndpoint;
  /** dashboards/rules/*.yaml as PrometheusRules in the workload namespace. */
  public readonly alertRules: AlertRules;
  /** dashboards/*.json as Grafana sidecar ConfigMaps (when genai:monitoring.enabled). */
  public readonly dashboards?: Dashboards;

  constructor(name: string, args: GenAIPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:platform:GenAIPlatform", name, {}, opts);
    const { config } = args;
    const provider = (this.provider = args.provider ?? providerFor(`${name}-k8s`, config, this));
    // In render-only mode charts come from genai:charts.localDir or are skipped with a warning (charts.ts).
    const charts = { ...config.charts, renderOnly: config.kubernetes.renderYamlToDirectory !== undefined };
    const child = { parent: this };

    // ---- Namespaces -------------------------------------------------------------------------------
    const ns = new Namespaces(
      `${name}-namespaces`,
      {
        names: config.namespaces.names,
        concerns: enabledConcerns(config),
        workloadQuota: config.namespaces.workloadQuota,
        workloadLimits: config.namespaces.workloadLimits,
        meshInjection: config.mesh.enabled,
        provider,
      },
      child,
    );
    this.namespaces = ns.names;
    const names = ns.names;

    // ---- Monitoring first: its CRDs (ServiceMonitor, PrometheusRule) are used by everything after ---------
    const m = config.monitoring;
    if (m.enabled || m.adapter.enabled) {
      this.monitoring = new Monitoring(
        `${name}-monitoring`,
        {
          provider,
          charts,
          namespace: names.monitoring,
          installStack: m.enabled,
          prometheusUrl: m.prometheusUrl,
          prometheus: m.prometheus,
          alertmanager: m.alertmanager,
          grafana: m.grafana,
          controlPlaneMonitors: m.controlPlaneMonitors,
          adapter: m.adapter,
          alertWebhooks: config.secrets.alertWebhooks,
          datasources: datasourcesFor(config, names),
        },
        child,
      );
    }
    this.prometheusUrl =
      this.monitoring?.prometheusUrl ?? (m.prometheusUrl ? pulumi.output(m.prometheusUrl) : undefined);
    const monitoringCrds = present(this.monitoring?.crds);

    // ---- GPU operator ---------------------------------------------------------------------------------
    const g = config.gpuOperator;
    if (g.enabled) {
      this.gpuOperator = new GpuOperator(
        `${name}-gpu`,
        {
          provider,
          charts,
          namespace: names.gpuOperator,
          driver: g.driver,
          toolkit: g.toolkit,
          dcgmExporter: g.dcgmExporter,
          sharing: g.sharing,
          nodeSelector: g.nodeSelector,
          dependsOn: g.dcgmExporter ? monitoringCrds : [],
        },
        child,
      );
    }

    // ---- Logging (and the Elasticsearch user Jaeger writes with) ----------------------------------------
    const t = config.tracing;
    const tracesInLoggingCluster =
      t.enabled && t.storage === "elasticsearch" && !t.elasticsearchUrl && config.logging.enabled;
    const jaegerPassword =
      t.enabled && t.storage === "elasticsearch"
        ? new random.RandomPassword(`${name}-jaeger-es`, { length: 32, special: false }, child).result
        : undefined;
    if (config.logging.enabled) {
      const l = config.logging;
      this.logging = new Logging(
        `${name}-logging`,
        {
          provider,
          charts,
          namespace: names.logging,
          stackVersion: l.stackVersion,
          elasticsearch: l.elasticsearch,
          kibana: l.kibana,
          retention: l.retention,
          users:
            tracesInLoggingCluster && jaegerPassword
              ? [{ username: "jaeger", password: jaegerPassword, indices: [`${TRACE_INDEX_PREFIX}-*`] }]
              : [],
          serviceMonitor: m.enabled,
          dependsOn: monitoringCrds,
        },
        child,
      );
    }

    // ---- Tracing ------------------------------------------------------------------------------------
    if (t.enabled) {
      const storage: TraceStorage =
        t.storage === "memory" || !jaegerPassword
          ? { kind: "memory", maxTraces: t.maxTraces }
          : {
              kind: "elasticsearch",
              url: t.elasticsearchUrl ?? (this.logging as Logging).elasticsearchUrl,
              username: "jaeger",
              password: jaegerPassword,
              caPem: t.elasticsearchUrl ? undefined : this.logging?.elasticsearchCaPem,
            };
      this.tracing = new Tracing(
        `${name}-tracing`,
        {
          provider,
          namespace: names.tracing,
          storage,
          replicas: t.replicas,
          resources: t.resources,
          cpuLimit: t.cpuLimit,
          peers: {
            queryNamespace: names.monitoring,
            ...(tracesInLoggingCluster ? { elasticsearchNamespace: names.logging } : {}),
          },
          dependsOn: tracesInLoggingCluster && this.logging ? [this.logging.elasticsearch] : [],
        },
        child,
      );
    }
    this.otlpEndpoint =
      this.tracing?.otlpHttpEndpoint ?? (t.otlpEndpoint ? pulumi.output(t.otlpEndpoint) : undefined);

    // ---- Mesh ---------------------------------------------------------------------------------------
    if (config.mesh.enabled) {
      this.mesh = new Mesh(
        `${name}-mesh`,
        {
          provider,
          charts,
          namespace: names.mesh,
          mtls: config.mesh.mtls,
          istiodReplicas: config.mesh.istiodReplicas,
          gateway: config.mesh.gateway,
          gatewayTls: config.secrets.gatewayTls,
          tracingHost: this.tracing?.serviceHost,
        },
        child,
      );
    }

    this.gatewayRef =
      this.mesh?.gatewayRef ??
      (config.mesh.existingGateway ? pulumi.output(config.mesh.existingGateway) : undefined);

    // ---- Backups ------------------------------------------------------------------------------------
    if (config.backups.enabled) {
      const b = config.backups;
      const credentials = config.secrets.backupsCredentials;
      if (!credentials)
        throw new Error("genai:backupsCredentials is required while genai:backups.enabled is true");
      const observability = [
        ...(this.monitoring ? [names.monitoring] : []),
        ...(this.logging ? [names.logging] : []),
        ...(this.tracing ? [names.tracing] : []),
        ...(this.mesh ? [names.mesh] : []),
      ];
      this.backups = new Backups(
        `${name}-backups`,
        {
          provider,
          charts,
          namespace: names.backups,
          s3: {
            ...b.s3,
            bucket: required(b.s3.bucket, "backups.s3.bucket"),
            endpoint: required(b.s3.endpoint, "backups.s3.endpoint"),
          },
          credentials,
          fileSystemBackup: b.fileSystemBackup,
          schedules: b.schedules,
          workloadNamespace: names.workload,
          observabilityNamespaces: observability,
          serviceMonitor: m.enabled,
          dependsOn: monitoringCrds,
        },
        child,
      );
    }

    // ---- Workload (infra/workload) ------------------------------------------------------------------
    // The Istio and Prometheus-operator resources wait for the charts that bring their CRDs; sidecar
    // injection needs istiod running before the first pod starts.
    this.inference = new ModelEndpoint(
      `${name}-inference`,
      {
        provider,
        namespace: names.workload,
        models: config.models,
        charts,
        // The Gateway API Gateway sits beside the mesh's, with its certificate (the Secret lives there). Without
        // the Mesh component the platform creates no mesh namespace, so it goes to the workload's, which always exists.
        gatewayNamespace: this.mesh ? names.mesh : names.workload,
        // HTTPS with the mesh's gateway certificate (mesh.ts creates the Secret in that namespace).
        ...(this.mesh ? { tlsSecretName: config.mesh.gateway.tlsSecretName } : {}),
        vpaRecommenderNamespace: this.mesh ? names.mesh : names.workload,
        // Prometheus is outside the mesh: let it scrape the server port in plaintext under STRICT mTLS.
        plaintextScrape: this.mesh !== undefined && config.mesh.mtls === "STRICT",
        ...(config.secrets.registryPassword ? { registryPassword: config.secrets.registryPassword } : {}),
        // The peers' pod labels and ports are the ones the components themselves set.
        istiod: istiodPods(names.mesh),
        prometheus: prometheusPods(names.monitoring),
        tracingCollector: jaegerCollectorPods(names.tracing),
        ...(this.otlpEndpoint ? { tracingEndpoint: this.otlpEndpoint } : {}),
        crdDependencies: [...monitoringCrds, ...present(this.mesh?.crds)],
      },
      { ...child, dependsOn: present(this.mesh?.istiod) },
    );

    // ---- Observability resources (infra/observability) -------------------------------------------------
    // Rules go wherever the ServiceMonitor goes (the workload namespace; the CRD comes from the monitoring
    // chart or, with it off, from the cluster). Dashboards go to the monitoring namespace for this stack's
    // Grafana sidecar or an existing one watching the same label.
    this.alertRules = new AlertRules(
      `${name}-rules`,
      { provider, namespace: names.workload, dependsOn: monitoringCrds },
      child,
    );
    if (m.dashboards.enabled) {
      this.dashboards = new Dashboards(
        `${name}-dashboards`,
        { provider, namespace: names.monitoring, dependsOn: this.monitoring ? [this.monitoring] : [] },
        child,
      );
    }

    this.registerOutputs({
      namespaces: this.namespaces,
      prometheusUrl: this.prometheusUrl,
      otlpEndpoint: this.otlpEndpoint,
    });
  }
}

/** A value parseConfig guarantees (its cross-key rules); a clear error if a caller built the config by hand. */
function required<T>(value: T | undefined, key: string): T {
  if (value === undefined) throw new Error(`genai:${key} is required while genai:backups.enabled is true`);
  return value;
}

function providerFor(name: string, config: PlatformConfig, parent: pulumi.Resource): k8s.Provider {
  const { context, kubeconfig, renderYamlToDirectory } = config.kubernetes;
  return new k8s.Provider(name, { context, kubeconfig, renderYamlToDirectory }, { parent });
}

/** Namespaces to create: only for enabled services, and none at all when genai:namespaces.enabled is false. */
function enabledConcerns(config: PlatformConfig): Concern[] {
  if (!config.namespaces.enabled) return [];
  const enabled: Record<Concern, boolean> = {
    workload: true,
    gpuOperator: config.gpuOperator.enabled,
    monitoring:
      config.monitoring.enabled || config.monitoring.adapter.enabled || config.monitoring.dashboards.enabled,
    logging: config.logging.enabled,
    tracing: config.tracing.enabled,
    mesh: config.mesh.enabled,
    backups: config.backups.enabled,
  };
  return (Object.keys(enabled) as Concern[]).filter((c) => enabled[c]);
}

/** Grafana datasources for the services this stack installs (Prometheus itself comes with the chart). */
function datasourcesFor(
  config: PlatformConfig,
  names: Record<Concern, pulumi.Output<string>>,
): pulumi.Output<GrafanaDatasource[]> {
  if (!config.tracing.enabled) return pulumi.output([]);
  // Monitoring comes before Tracing (its CRDs), so the URL is Tracing's by its namespace, not its output.
  return jaegerQueryUrl(names.tracing).apply((url) => [
    { name: "Jaeger", type: "jaeger", uid: "jaeger", url, access: "proxy" as const },
  ]);
}
