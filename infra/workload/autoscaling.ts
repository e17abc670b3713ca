import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
// The per-pod metric prometheus-adapter serves from the server's queue-depth gauge: one name for both sides.
import { QUEUE_METRIC } from "../cluster/monitoring/index.js";
import type { InferenceConfig } from "./config.js";
import { type Track, trackLabels } from "./labels.js";

type Scaling = InferenceConfig["autoscaling"];
type Behavior = k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerBehavior;

export interface TrackHpaArgs {
  readonly name: string;
  readonly track: Track;
  readonly version: string;
  readonly namespace: pulumi.Input<string>;
  readonly deploymentName: pulumi.Input<string>;
  readonly replicas: { readonly min: number; readonly max: number };
  readonly scaling: Scaling;
  /** The off-hours CronJobs patch minReplicas; Pulumi then takes the field back with a forced apply. */
  readonly patchedOffHours: boolean;
  /** The served model's name: the queue metric is read for this model only (its `model` label). */
  readonly modelName?: string;
}

/**
 * One HPA per track, scaling on whichever of CPU, memory and queue depth asks for the most pods. Queue depth is the
 * signal that matters on a GPU: compute saturates long before CPU does.
 */
export function createTrackHpa(
  a: TrackHpaArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.autoscaling.v2.HorizontalPodAutoscaler {
  const s = a.scaling;
  return new k8s.autoscaling.v2.HorizontalPodAutoscaler(
    `${a.name}-${a.track}`,
    {
      metadata: {
        name: `${a.name}-${a.track}`,
        namespace: a.namespace,
        labels: trackLabels(a.name, a.track, a.version),
        ...(a.patchedOffHours ? { annotations: { "pulumi.com/patchForce": "true" } } : {}),
      },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: a.deploymentName },
        minReplicas: a.replicas.min,
        maxReplicas: a.replicas.max,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: s.cpuUtilization } },
          },
          {
            type: "Resource",
            resource: {
              name: "memory",
              target: { type: "Utilization", averageUtilization: s.memoryUtilization },
            },
          },
          {
            type: "Pods",
            pods: {
              metric: {
                name: QUEUE_METRIC,
                ...(a.modelName !== undefined ? { selector: { matchLabels: { model: a.modelName } } } : {}),
              },
              target: { type: "AverageValue", averageValue: String(s.targetQueuePerPod) },
            },
          },
        ],
        behavior: hpaBehavior(s),
      },
    },
    opts,
  );
}

/** Scale up fast and down slowly, as the original design's HPA does. */
export function hpaBehavior(s: Scaling): Behavior {
  const rule = (r: Scaling["scaleUp"]) => ({
    stabilizationWindowSeconds: r.stabilizationWindowSeconds,
    selectPolicy: "Max",
    policies: [{ type: "Percent", value: r.percent, periodSeconds: r.periodSeconds }],
  });
  return { scaleUp: rule(s.scaleUp), scaleDown: rule(s.scaleDown) };
}
