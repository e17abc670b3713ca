import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resolveArgs } from "../../shared/componentConfig.js";
import type { DeepPartial } from "../../shared/schemaMerge.js";
import type { ResourcesConfig } from "../../shared/validators.js";
import { type Concern, type NamespacesConfig, namespacesConfig } from "./config.js";

export type { Concern } from "./config.js";

/** The settings of {@link NamespacesArgs} that come from `genai:namespaces`. */
const SETTINGS = ["names", "workloadQuota", "workloadLimits"] as const;

/**
 * Pod Security Admission level per concern. Restricted wherever the platform's own pods run; privileged only where
 * a node agent needs the host: the GPU driver/toolkit, node-exporter (host PID/network), Filebeat (host log files),
 * istio-cni (node network setup, which is what lets sidecars run under restricted) and Velero's node agent (pod
 * volumes on the host).
 */
export const POD_SECURITY: Readonly<Record<Concern, "restricted" | "baseline" | "privileged">> = {
  workload: "restricted",
  tracing: "restricted",
  gpuOperator: "privileged",
  monitoring: "privileged",
  logging: "privileged",
  mesh: "privileged",
  backups: "privileged",
};

export interface NamespacesArgs {
  /**
   * Namespace name per concern (any subset; the rest from the default).
   * @default genai, gpu-operator, monitoring, logging, tracing, istio-system, velero
   */
  readonly names?: DeepPartial<NamespacesConfig["names"]>;
  /**
   * Concerns to create a namespace for (a disabled service needs no namespace).
   * @default all
   */
  readonly concerns?: readonly Concern[];
  /**
   * ResourceQuota of the workload namespace.
   * @default 8 / 16Gi requests, 16 / 32Gi limits, 1 GPU, 40 pods, 10 PVCs, 100Gi (the dev preset)
   */
  readonly workloadQuota?: DeepPartial<NamespacesConfig["workloadQuota"]>;
  /**
   * LimitRange of the workload namespace.
   * @default 100m / 128Mi default request, 500m / 512Mi default limit, max 8 / 16Gi
   */
  readonly workloadLimits?: DeepPartial<NamespacesConfig["workloadLimits"]>;
  /**
   * Label the workload namespace for Istio sidecar injection.
   * @default false
   */
  readonly meshInjection?: boolean;
  /**
   * The Kubernetes provider of every namespace.
   * @default the parent's provider, else the ambient kubeconfig's
   */
  readonly provider?: k8s.Provider;
}

/** One namespace per concern with Pod Security labels, and a quota and limits for the workload namespace. */
export class Namespaces extends pulumi.ComponentResource {
  /** Namespace name per concern (created ones resolve after creation, so dependents wait for them). */
  public readonly names: Record<Concern, pulumi.Output<string>>;
  public readonly namespaces: Partial<Record<Concern, k8s.core.v1.Namespace>>;

  constructor(name: string, given: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
    const args = { ...given, ...resolveArgs(namespacesConfig, SETTINGS, given, `Namespaces ${name}`) };
    super("genai:cluster:Namespaces", name, {}, opts);
    const concerns = args.concerns ?? (Object.keys(args.names) as Concern[]);
    const childOpts = args.provider ? { parent: this, provider: args.provider } : { parent: this };

    this.namespaces = {};
    for (const concern of concerns) {
      this.namespaces[concern] = new k8s.core.v1.Namespace(
        `${name}-${concern}`,
        {
          metadata: {
            name: args.names[concern],
            labels: namespaceLabels(concern, args.meshInjection ?? false),
          },
        },
        childOpts,
      );
    }
    this.names = Object.fromEntries(
      (Object.keys(args.names) as Concern[]).map((c) => [
        c,
        this.namespaces[c]?.metadata.name ?? pulumi.output(args.names[c]),
      ]),
    ) as Record<Concern, pulumi.Output<string>>;

    if (this.namespaces.workload) {
      const workloadOpts = { ...childOpts, dependsOn: [this.namespaces.workload] };
      quotaFor(`${name}-workload`, this.names.workload, args.workloadQuota, workloadOpts);
      limitsFor(`${name}-workload`, this.names.workload, args.workloadLimits, workloadOpts);
    }
    this.registerOutputs({ names: this.names });
  }
}

function namespaceLabels(concern: Concern, meshInjection: boolean): Record<string, string> {
  const level = POD_SECURITY[concern];
  return {
    "app.kubernetes.io/part-of": "genai-platform",
    "pod-security.kubernetes.io/enforce": level,
    // Audit and warn at restricted everywhere, so anything beyond it stays visible even where it is allowed.
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
    ...(concern === "workload" && meshInjection ? { "istio-injection": "enabled" } : {}),
  };
}

function quotaFor(
  name: string,
  namespace: pulumi.Input<string>,
  quota: NamespacesConfig["workloadQuota"],
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ResourceQuota {
  return new k8s.core.v1.ResourceQuota(
    `${name}-quota`,
    {
      metadata: { name: "genai-quota", namespace },
      spec: {
        hard: {
          "requests.cpu": quota.requests.cpu,
          "requests.memory": quota.requests.memory,
          "limits.cpu": quota.limits.cpu,
          "limits.memory": quota.limits.memory,
          "requests.nvidia.com/gpu": String(quota.gpus),
          pods: String(quota.pods),
          persistentvolumeclaims: String(quota.persistentVolumeClaims),
          "requests.storage": quota.storage,
        },
      },
    },
    opts,
  );
}

function limitsFor(
  name: string,
  namespace: pulumi.Input<string>,
  limits: NamespacesConfig["workloadLimits"],
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.LimitRange {
  const asMap = (r: ResourcesConfig) => ({ cpu: r.cpu, memory: r.memory });
  return new k8s.core.v1.LimitRange(
    `${name}-limits`,
    {
      metadata: { name: "genai-limits", namespace },
      spec: {
        limits: [
          {
            type: "Container",
            defaultRequest: asMap(limits.defaultRequest),
            default: asMap(limits.default),
            max: asMap(limits.max),
          },
        ],
      },
    },
    opts,
  );
}
