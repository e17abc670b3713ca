import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { APP_PORT_NAME, commonLabels, instanceSelector, TRACK_LABEL } from "./labels.js";

/**
 * Prometheus scrapes every server pod through the Service; `podTargetLabels` copies the pod's `track` label onto the
 * series, which is how dashboards and alerts tell stable from canary (the server itself does not know its track).
 * `selectorLabels` must match the Prometheus `serviceMonitorSelector` (kube-prometheus-stack: `release: <name>`).
 */
export function createServiceMonitor(
  name: string,
  namespace: pulumi.Input<string>,
  selectorLabels: Readonly<Record<string, string>>,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    `${name}-monitor`,
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name, namespace, labels: { ...commonLabels(name), ...selectorLabels } },
      spec: {
        selector: { matchLabels: instanceSelector(name) },
        podTargetLabels: [TRACK_LABEL],
        endpoints: [{ port: APP_PORT_NAME, path: "/metrics", interval: "15s", scrapeTimeout: "10s" }],
      },
    },
    opts,
  );
}
