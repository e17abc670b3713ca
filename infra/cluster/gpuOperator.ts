import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify as toYaml } from "yaml";
import type { GpuOperatorConfig } from "../config.js";
import { CHARTS, installChart } from "./charts.js";
import { childOptions, type ClusterComponentArgs } from "./common.js";
import { DCGM_CSV_KEY, dcgmMetricsCsv } from "./dcgmMetrics.js";

export interface GpuOperatorArgs extends ClusterComponentArgs {
  /** Driver installed by the operator (pinned version) or preinstalled. Default: preinstalled. */
  readonly driver: GpuOperatorConfig["driver"];
  /** Install the NVIDIA container toolkit. Default: true. */
  readonly toolkit: boolean;
  /** DCGM exporter plus its ServiceMonitor. Default: true. */
  readonly dcgmExporter: boolean;
  /** Sharing one GPU: none, time-slicing or MIG. Default: none (prod: time-slicing, 2 per GPU). */
  readonly sharing: GpuOperatorConfig["sharing"];
  /** Labels of the nodes GPU discovery runs on (empty: every node). Default: {}. */
  readonly nodeSelector: Record<string, string>;
  /** What must exist first: the monitoring CRDs for the ServiceMonitor. Default: none. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Name of the device plugin's sharing ConfigMap, and its one key. */
const SHARING_CONFIG = "genai-gpu-sharing";
const SHARING_KEY = "default";
/** Name of the DCGM exporter's counters ConfigMap. */
const DCGM_METRICS_CONFIG = "genai-dcgm-metrics";
/** The node label MIG manager reads the profile to apply from (a profile of its mig-parted config). */
export const MIG_CONFIG_LABEL = "nvidia.com/mig.config";
/**
 * What the ClusterPolicy's `migManager.config.default` may be (its CRD's enum): the profile for nodes without the
 * label. Any profile name there is rejected by the API server, so the profile goes into the node label instead.
 */
const MIG_DEFAULT_PROFILE = "all-disabled";
/** PCI vendor id of NVIDIA devices, as node-feature-discovery reports it. */
const NVIDIA_PCI_VENDOR = "10de";

/** NVIDIA GPU operator: driver (managed or preinstalled), toolkit, device plugin with sharing, DCGM exporter. */
export class GpuOperator extends pulumi.ComponentResource {
  /** The operator's release; absent when only rendering without chart archives. */
  public readonly release?: pulumi.Resource;
  /** The extended resource pods request (`nvidia.com/gpu`). */
  public readonly resourceName = "nvidia.com/gpu";

  constructor(name: string, args: GpuOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:cluster:GpuOperator", name, {}, opts);
    const sharingConfig =
      args.sharing.mode === "time-slicing"
        ? new k8s.core.v1.ConfigMap(
            `${name}-sharing`,
            {
              metadata: { name: SHARING_CONFIG, namespace: args.namespace },
              data: { [SHARING_KEY]: timeSlicingConfig(args.sharing.replicas) },
            },
            childOptions(this, args.provider),
          )
        : undefined;
    const dcgmMetrics = args.dcgmExporter
      ? new k8s.core.v1.ConfigMap(
          `${name}-dcgm-metrics`,
          {
            metadata: { name: DCGM_METRICS_CONFIG, namespace: args.namespace },
            data: { [DCGM_CSV_KEY]: dcgmMetricsCsv() },
          },
          childOptions(this, args.provider),
        )
      : undefined;
    const release = installChart(
      `${name}-operator`,
      {
        spec: CHARTS.gpuOperator,
        charts: args.charts ?? {},
        releaseName: "gpu-operator",
        namespace: args.namespace,
        values: gpuOperatorValues(args, sharingConfig?.metadata.name, dcgmMetrics?.metadata.name),
      },
      childOptions(this, args.provider, [
        ...(args.dependsOn ?? []),
        ...(sharingConfig ? [sharingConfig] : []),
        ...(dcgmMetrics ? [dcgmMetrics] : []),
      ]),
    );
    this.release = release;
    if (args.sharing.mode === "mig") {
      // node-feature-discovery (part of the operator) labels every NVIDIA GPU node it runs on (the nodeSelector
      // above) with the profile; MIG manager sees the label and repartitions the GPUs. Its CRD comes with the chart.
      new k8s.apiextensions.CustomResource(
        `${name}-mig-config`,
        {
          apiVersion: "nfd.k8s-sigs.io/v1alpha1",
          kind: "NodeFeatureRule",
          metadata: { name: "genai-mig-config" },
          spec: migConfigRule(args.sharing.migConfig),
        },
        childOptions(this, args.provider, release ? [release] : []),
      );
    }
    this.registerOutputs({});
  }
}

/** The device plugin's time-slicing config: each GPU is advertised `replicas` times. */
export function timeSlicingConfig(replicas: number): string {
  return toYaml({
    version: "v1",
    flags: { migStrategy: "none" },
    sharing: { timeSlicing: { resources: [{ name: "nvidia.com/gpu", replicas }] } },
  });
}

/** The NodeFeatureRule spec that labels NVIDIA GPU nodes with MIG profile `profile`. */
export function migConfigRule(profile: string): Record<string, unknown> {
  return {
    rules: [
      {
        name: "genai MIG profile",
        labels: { [MIG_CONFIG_LABEL]: profile },
        matchFeatures: [
          { feature: "pci.device", matchExpressions: { vendor: { op: "In", value: [NVIDIA_PCI_VENDOR] } } },
        ],
      },
    ],
  };
}

/** The gpu-operator values this platform sets. */
export interface GpuOperatorValues {
  driver: { enabled: boolean; version?: string };
  toolkit: { enabled: boolean };
  dcgmExporter: {
    enabled: boolean;
    config?: { name: pulumi.Input<string> };
    env?: { name: string; value: string }[];
    serviceMonitor: { enabled: boolean; honorLabels: boolean };
  };
  devicePlugin: { config?: { name: pulumi.Input<string>; default: string } };
  mig: { strategy: "single" | "mixed" };
  migManager: { enabled: boolean; config?: { default: typeof MIG_DEFAULT_PROFILE } };
  daemonsets: { tolerations: { key: string; operator: string; effect: string }[] };
  "node-feature-discovery": { worker: { nodeSelector: Record<string, string> } };
}

function gpuOperatorValues(
  args: GpuOperatorArgs,
  sharingConfig: pulumi.Input<string> | undefined,
  dcgmMetricsConfig: pulumi.Input<string> | undefined,
): GpuOperatorValues {
  const mig = args.sharing.mode === "mig";
  return {
    driver: { enabled: args.driver.managed, version: args.driver.managed ? args.driver.version : undefined },
    toolkit: { enabled: args.toolkit },
    dcgmExporter: dcgmExporterValues(args.dcgmExporter, dcgmMetricsConfig),
    devicePlugin: sharingConfig ? { config: { name: sharingConfig, default: SHARING_KEY } } : {},
    mig: { strategy: args.sharing.migStrategy },
    // The profile itself is the node label (migConfigRule); nodes without it stay unpartitioned.
    migManager: mig ? { enabled: true, config: { default: MIG_DEFAULT_PROFILE } } : { enabled: false },
    // GPU nodes are usually tainted so that only GPU work lands there; the operator's daemonsets must tolerate it.
    daemonsets: { tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] },
    // GPU discovery (and so every operand) runs only on the selected nodes.
    "node-feature-discovery": { worker: { nodeSelector: args.nodeSelector } },
  };
}

function dcgmExporterValues(
  enabled: boolean,
  metricsConfig: pulumi.Input<string> | undefined,
): GpuOperatorValues["dcgmExporter"] {
  if (!enabled || !metricsConfig)
    return { enabled: false, serviceMonitor: { enabled: false, honorLabels: false } };
  return {
    enabled: true,
    // Our counters CSV; setting env replaces the chart's list, so the listen and Kubernetes settings are repeated.
    config: { name: metricsConfig },
    env: [
      { name: "DCGM_EXPORTER_LISTEN", value: ":9400" },
      // Adds the pod, namespace and container using each GPU as labels.
      { name: "DCGM_EXPORTER_KUBERNETES", value: "true" },
      { name: "DCGM_EXPORTER_COLLECTORS", value: `/etc/dcgm-exporter/${DCGM_CSV_KEY}` },
    ],
    // Keep the exporter's pod/namespace labels (the GPU's user) instead of renaming them exported_pod/exported_namespace.
    serviceMonitor: { enabled: true, honorLabels: true },
  };
}
