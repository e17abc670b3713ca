import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ChartsConfig } from "../config.js";

/**
 * How a chart is installed:
 * - `release` (helm.v3.Release): Helm itself installs and upgrades it, so chart hooks run and CRDs in `crds/` are
 *   installed by Helm; needs a live cluster (no preview of the objects, no renderYamlToDirectory).
 * - `chart` (helm.v4.Chart): Pulumi renders the templates and owns every object, so previews show each object and
 *   renderYamlToDirectory works; hooks become plain objects, so only for charts without meaningful hooks.
 */
export type InstallMode = "release" | "chart";

export interface ChartSpec {
  readonly repo: string;
  readonly chart: string;
  readonly version: string;
  readonly mode: InstallMode;
  /** Why this install mode. */
  readonly why: string;
}

/** Every Helm chart the platform installs, pinned. Bump versions here only. */
export const CHARTS = {
  gpuOperator: {
    repo: "https://helm.ngc.nvidia.com/nvidia",
    chart: "gpu-operator",
    version: "v25.10.1",
    mode: "release",
    why: "its pre-upgrade hook upgrades the ClusterPolicy/NVIDIADriver CRDs and its cleanup hook removes node labels",
  },
  kubePrometheusStack: {
    repo: "https://prometheus-community.github.io/helm-charts",
    chart: "kube-prometheus-stack",
    version: "77.11.1",
    mode: "release",
    why: "its CRDs exceed the client-side apply annotation limit and its admission-webhook cert is made by hook Jobs",
  },
  prometheusAdapter: {
    repo: "https://prometheus-community.github.io/helm-charts",
    chart: "prometheus-adapter",
    version: "5.3.0",
    mode: "chart",
    why: "plain templates without hooks or CRDs: Pulumi previews the APIService and the rules ConfigMap it owns",
  },
  eckOperator: {
    repo: "https://helm.elastic.co",
    chart: "eck-operator",
    version: "3.2.0",
    mode: "release",
    why: "Helm installs and upgrades the large k8s.elastic.co CRDs that Elasticsearch, Kibana and Beat need",
  },
  istioBase: {
    repo: "https://istio-release.storage.googleapis.com/charts",
    chart: "base",
    version: "1.28.0",
    mode: "release",
    why: "Istio's CRDs must be upgraded by Helm before istiod; Istio documents Helm-managed upgrades",
  },
  istioCni: {
    repo: "https://istio-release.storage.googleapis.com/charts",
    chart: "cni",
    version: "1.28.0",
    mode: "release",
    why: "a node DaemonSet that rewrites host CNI config; Helm's uninstall ordering removes it cleanly after istiod",
  },
  istiod: {
    repo: "https://istio-release.storage.googleapis.com/charts",
    chart: "istiod",
    version: "1.28.0",
    mode: "release",
    why: "the injector and validation webhooks are patched in place by istiod; Helm's three-way merge tolerates that",
  },
  istioGateway: {
    repo: "https://istio-release.storage.googleapis.com/charts",
    chart: "gateway",
    version: "1.28.0",
    mode: "release",
    why: "its pods are injected by istiod at admission, so it must be applied (not only rendered) after istiod",
  },
  elasticsearchExporter: {
    repo: "https://prometheus-community.github.io/helm-charts",
    chart: "prometheus-elasticsearch-exporter",
    version: "7.0.0",
    mode: "chart",
    why: "a Deployment, Service and ServiceMonitor without hooks or CRDs: Pulumi previews and owns each object",
  },
  velero: {
    repo: "https://vmware-tanzu.github.io/helm-charts",
    chart: "velero",
    version: "11.4.0",
    mode: "release",
    why: "its pre-install/upgrade hook Job upgrades the velero.io CRDs and its pre-delete hook cleans up backups",
  },
  // Gateway API Inference Extension v1.0.1 (the pair Istio 1.28 implements): one release per InferencePool.
  inferencePool: {
    repo: "oci://registry.k8s.io/gateway-api-inference-extension/charts",
    chart: "inferencepool",
    version: "v1.0.1",
    mode: "chart",
    why: "the InferencePool, its endpoint picker and RBAC as plain templates without hooks: Pulumi previews each",
  },
  bodyBasedRouting: {
    repo: "oci://registry.k8s.io/gateway-api-inference-extension/charts",
    chart: "body-based-routing",
    version: "v1.0.1",
    mode: "chart",
    why: "a Deployment and Service without hooks; its Istio EnvoyFilter is ours (scoped to the gateway pods)",
  },
  verticalPodAutoscaler: {
    repo: "https://kubernetes.github.io/autoscaler",
    chart: "vertical-pod-autoscaler",
    version: "0.9.0",
    mode: "chart",
    why: "only the recommender is installed (no admission webhook, so no cert hooks): plain templates and CRDs",
  },
} as const satisfies Record<string, ChartSpec>;

/** Images the platform runs outside charts, pinned. */
export const IMAGES = {
  /** Jaeger v2 (an OpenTelemetry Collector distribution): one binary, OTLP in, memory or Elasticsearch storage. */
  jaeger: "cr.jaegertracing.io/jaegertracing/jaeger:2.11.0",
  /** Velero's S3 object-store plugin; v1.13 pairs with Velero 1.17 (chart 11.x). */
  veleroAwsPlugin: "velero/velero-plugin-for-aws:v1.13.0",
} as const;

/** The chart reference for `spec`: its repository, or `<localDir>/<chart>-<version>.tgz` when installing offline. */
export function chartSource(
  spec: ChartSpec,
  charts: ChartsConfig,
): { chart: string; version?: string; repo?: string } {
  if (charts.localDir) return { chart: path.join(charts.localDir, `${spec.chart}-${spec.version}.tgz`) };
  // An OCI registry is no Helm repository: the chart is named by its full reference.
  if (spec.repo.startsWith("oci://")) return { chart: `${spec.repo}/${spec.chart}`, version: spec.version };
  return { chart: spec.chart, version: spec.version, repo: spec.repo };
}

/**
 * The Kubernetes version charts are rendered for in render-only mode, unless genai:charts.kubeVersion says
 * otherwise. Without one Helm assumes its own default (v1.20), and charts that require a newer cluster refuse to
 * render (kube-prometheus-stack, eck-operator) or pick outdated APIs.
 */
export const RENDER_KUBE_VERSION = "1.34.0";
/**
 * API versions a render-only run reports as served, besides Helm's built-in Kubernetes set: the aggregation API
 * (every supported cluster serves it; without it prometheus-adapter writes a v1beta1 APIService) and the
 * Prometheus Operator's, which kube-prometheus-stack installs (without it Velero drops its ServiceMonitor).
 */
export const RENDER_API_VERSIONS = ["apiregistration.k8s.io/v1", "monitoring.coreos.com/v1"] as const;

/** Where charts come from and how they are installed. */
export interface ChartSettings extends ChartsConfig {
  /**
   * The provider only renders YAML (genai:kubernetes.renderYamlToDirectory): helm.v3.Release cannot work there, so
   * charts are rendered with helm.v3.Chart from `localDir`, or skipped with a warning when there is none.
   * helm.v3.Chart, not v4: only v3 takes the Kubernetes version and API versions to render for, which v4 can only
   * ask a cluster for.
   */
  readonly renderOnly?: boolean;
}

export interface HelmInstallArgs<V extends object> {
  readonly spec: ChartSpec;
  readonly charts: ChartSettings;
  /** Release name (and resource prefix): fixed, so service names are predictable. */
  readonly releaseName: string;
  readonly namespace: pulumi.Input<string>;
  readonly values: pulumi.Input<V>;
}

/**
 * Installs `args.spec` the way its `mode` says. The result is what custom resources should depend on; undefined
 * when the chart is skipped in render-only mode (see {@link ChartSettings.renderOnly}).
 */
export function installChart<V extends object>(
  name: string,
  args: HelmInstallArgs<V>,
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions,
): k8s.helm.v3.Release | k8s.helm.v4.Chart | k8s.helm.v3.Chart | undefined {
  const { spec, charts } = args;
  if (charts.renderOnly && !charts.localDir) {
    pulumi.log.warn(
      `${spec.chart} ${spec.version} is not installed: rendering YAML needs the chart archive; set genai:charts.localDir ` +
        `to a directory holding ${spec.chart}-${spec.version}.tgz (or install the chart separately)`,
      opts.parent,
    );
    return undefined;
  }
  const source = chartSource(spec, charts);
  const common = {
    name: args.releaseName,
    namespace: args.namespace,
    chart: source.chart,
    version: source.version,
    repositoryOpts: source.repo ? { repo: source.repo } : undefined,
    values: args.values as pulumi.Input<Record<string, pulumi.Input<unknown>>>,
  };
  if (charts.renderOnly) {
    if (spec.mode === "release")
      pulumi.log.warn(
        `${spec.chart} is rendered with helm.v3.Chart: its hooks (${spec.why}) become plain objects`,
        opts.parent,
      );
    return renderedChart(args, source.chart, opts);
  }
  if (spec.mode === "chart") return new k8s.helm.v4.Chart(name, common, opts);
  return new k8s.helm.v3.Release(
    name,
    // atomic: a failed upgrade rolls back instead of leaving a half-applied release.
    { ...common, atomic: true, cleanupOnFail: true, maxHistory: 5, timeout: 900 },
    opts,
  );
}

/**
 * `helm template` of the local archive `archive` for the configured Kubernetes version, as a helm.v3.Chart. Its
 * Pulumi name is the release name because helm.v3.Chart uses its name as the release name (which the charts put in
 * their objects' names); release names are unique within a stack.
 */
function renderedChart<V extends object>(
  args: HelmInstallArgs<V>,
  archive: string,
  opts: pulumi.ComponentResourceOptions,
): k8s.helm.v3.Chart {
  return new k8s.helm.v3.Chart(
    args.releaseName,
    {
      path: archive,
      namespace: args.namespace,
      values: args.values as pulumi.Inputs,
      kubeVersion: args.charts.kubeVersion ?? RENDER_KUBE_VERSION,
      apiVersions: [...RENDER_API_VERSIONS],
    },
    opts,
  );
}

/** The resources that exist, for `dependsOn` (a chart skipped in render-only mode is simply absent). */
export function present(...resources: (pulumi.Resource | undefined)[]): pulumi.Resource[] {
  return resources.filter((r): r is pulumi.Resource => r !== undefined);
}
