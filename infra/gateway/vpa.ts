// The Vertical Pod Autoscaler's recommender (pinned chart): it watches each model's pods and publishes request
// recommendations in the VerticalPodAutoscaler objects' status, which dashboards and people read. Nothing acts on
// them automatically (updateMode "Off" everywhere), so it never fights the HPA over the same pods.
import type * as pulumi from "@pulumi/pulumi";
import { CHARTS, installChart, type ChartSettings } from "../cluster/charts.js";
import { vpaValues } from "./values.js";

export interface VpaRecommenderArgs {
  readonly charts: ChartSettings;
  readonly namespace: pulumi.Input<string>;
  /** Recommender replicas (more than one elect a leader). Default: 1. */
  readonly replicas?: number;
}

/** Installs the recommender and its CRD; the result is what VerticalPodAutoscaler objects depend on. */
export function installVpaRecommender(
  name: string,
  args: VpaRecommenderArgs,
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions,
): pulumi.Resource | undefined {
  return installChart(
    name,
    {
      spec: CHARTS.verticalPodAutoscaler,
      charts: args.charts,
      releaseName: "vpa",
      namespace: args.namespace,
      values: vpaValues(args.replicas ?? 1),
    },
    opts,
  );
}
