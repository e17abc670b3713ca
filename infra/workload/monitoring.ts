import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
  APP_PORT,
  APP_PORT_NAME,
  commonLabels,
  instanceSelector,
  serviceSelector,
  TRACK_LABEL,
} from "./labels.js";

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

/**
 * Under mesh-wide STRICT mTLS a Prometheus outside the mesh cannot scrape the sidecar-fronted server port. This
 * PeerAuthentication keeps STRICT for the server pods but accepts plaintext on that one port; the NetworkPolicy
 * still admits only the ingress gateway and Prometheus there, and the API itself still requires a key.
 */
export function createScrapePeerAuthentication(
  name: string,
  namespace: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    `${name}-scrape`,
    {
      apiVersion: "security.istio.io/v1",
      kind: "PeerAuthentication",
      metadata: { name: `${name}-scrape`, namespace, labels: commonLabels(name) },
      spec: {
        selector: { matchLabels: serviceSelector(name) },
        mtls: { mode: "STRICT" },
        portLevelMtls: { [String(APP_PORT)]: { mode: "PERMISSIVE" } },
      },
    },
    opts,
  );
}
