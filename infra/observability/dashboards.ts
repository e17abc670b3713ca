import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../cluster/common.js";
import { type DashboardFile, DASHBOARDS_DIR, ObservabilityFileError, readDashboards } from "./files.js";

/** The label kube-prometheus-stack's Grafana sidecar watches (`sidecar.dashboards.label/labelValue`). */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;
/** ConfigMaps hold at most 1 MiB. */
const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;

export interface DashboardsArgs {
  /** The Kubernetes provider every ConfigMap uses. Required. */
  readonly provider: k8s.Provider;
  /** Namespace of the ConfigMaps; the sidecar must search it (the platform's searches all). Required. */
  readonly namespace: pulumi.Input<string>;
  /** Directory holding the dashboard `*.json` files, read at program time. Default: the package's `dashboards/`. */
  readonly directory?: string;
  /**
   * Grafana folder, written as the `grafana_folder` annotation; used when the sidecar's `folderAnnotation` is
   * `grafana_folder`. Default: "GenAI".
   */
  readonly folder?: pulumi.Input<string>;
  /** Extra labels on every ConfigMap. Default: none. */
  readonly labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Resources the ConfigMaps wait for (e.g. the monitoring release). Default: none. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

function dashboardFiles(directory: string): DashboardFile[] {
  const files = readDashboards(directory);
  if (files.length === 0) throw new ObservabilityFileError(directory, "no dashboard *.json file found");
  for (const file of files) {
    if (Buffer.byteLength(file.json) > CONFIGMAP_LIMIT_BYTES) {
      throw new ObservabilityFileError(file.path, "larger than a ConfigMap can hold (1 MiB)");
    }
  }
  return files;
}

/** Grafana dashboards as ConfigMaps labelled for the Grafana sidecar, one per `dashboards/*.json`. */
export class Dashboards extends pulumi.ComponentResource {
  /** ConfigMap names, by dashboard file name (e.g. "inference-overview"). */
  public readonly configMapNames: Record<string, pulumi.Output<string>>;
  /** Dashboard uids, by dashboard file name. */
  public readonly uids: Record<string, string>;

  constructor(name: string, args: DashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Read and check every file before registering anything: a bad file fails the program, not half of it.
    const files = dashboardFiles(args.directory ?? DASHBOARDS_DIR);
    super("genai:observability:Dashboards", name, {}, opts);
    this.configMapNames = {};
    this.uids = {};
    for (const file of files) {
      const labels = pulumi
        .output(args.labels ?? {})
        .apply((extra) => ({ ...extra, "app.kubernetes.io/part-of": "genai-platform", ...DASHBOARD_LABEL }));
      const configMap = new k8s.core.v1.ConfigMap(
        `${name}-${file.name}`,
        {
          metadata: {
            name: `genai-dashboard-${file.name}`,
            namespace: args.namespace,
            labels,
            annotations: { grafana_folder: args.folder ?? "GenAI" },
          },
          data: { [`${file.name}.json`]: file.json },
        },
        childOptions(this, args.provider, args.dependsOn),
      );
      this.configMapNames[file.name] = configMap.metadata.name;
      this.uids[file.name] = file.uid;
    }
    this.registerOutputs({ configMapNames: this.configMapNames, uids: this.uids });
  }
}
