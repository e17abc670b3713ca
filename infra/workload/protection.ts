import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { APP_PORT, commonLabels, serviceSelector, type Track, trackLabels, trackSelector } from "./labels.js";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Rule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** Pods in another namespace, matched by the namespace's name label and pod labels. */
export interface PodsRef {
  readonly namespace: pulumi.Input<string>;
  readonly podLabels: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface NetworkPeers {
  /** The Istio ingress gateway pods (ingress to the server). */
  readonly ingressGateway: PodsRef;
  /** Prometheus (ingress for scraping). */
  readonly prometheus: PodsRef;
  /** CoreDNS / kube-dns (egress, UDP+TCP 53). */
  readonly dns: PodsRef;
  /** istiod, which the sidecars fetch config and certificates from (egress, 15012). */
  readonly istiod: PodsRef;
  /** The tracing collector and its OTLP/HTTP port (egress); none when tracing is off. */
  readonly tracing?: PodsRef & { readonly port: number };
  /** CIDRs the init step downloads the model from over HTTPS; none when the model is already on the volume. */
  readonly modelDownloadCidrs: readonly string[];
}

/** A voluntary disruption (node drain, upgrade) takes at most `maxUnavailable` pods of a track at a time. */
export function createTrackPdb(
  name: string,
  track: Track,
  version: string,
  namespace: pulumi.Input<string>,
  maxUnavailable: number,
  opts: pulumi.CustomResourceOptions,
): k8s.policy.v1.PodDisruptionBudget {
  return new k8s.policy.v1.PodDisruptionBudget(
    `${name}-${track}`,
    {
      metadata: { name: `${name}-${track}`, namespace, labels: trackLabels(name, track, version) },
      spec: { maxUnavailable, selector: { matchLabels: trackSelector(name, track) } },
    },
    opts,
  );
}

function pods(ref: PodsRef): Peer {
  return {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ref.namespace } },
    podSelector: { matchLabels: ref.podLabels },
  };
}

/** Egress every pod of the service needs: DNS and the mesh control plane. */
export function baseEgress(peers: NetworkPeers): Rule[] {
  return [
    {
      to: [pods(peers.dns)],
      ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
      ],
    },
    { to: [pods(peers.istiod)], ports: [{ protocol: "TCP", port: 15012 }] },
  ];
}

/**
 * Default deny for the whole namespace (it belongs to the InferenceService), then one policy that lets the server
 * pods take traffic only from the ingress gateway and Prometheus, and reach only DNS, istiod, the tracing collector
 * and (for the init step's download) the model source.
 */
export function createNetworkPolicies(
  name: string,
  namespace: pulumi.Input<string>,
  peers: NetworkPeers,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy[] {
  const labels = commonLabels(name);
  const deny = new k8s.networking.v1.NetworkPolicy(
    `${name}-default-deny`,
    {
      metadata: { name: `${name}-default-deny`, namespace, labels },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
    opts,
  );
  const appPort = [{ protocol: "TCP", port: APP_PORT }];
  const egress: Rule[] = [
    ...baseEgress(peers),
    ...(peers.tracing
      ? [{ to: [pods(peers.tracing)], ports: [{ protocol: "TCP", port: peers.tracing.port }] }]
      : []),
    ...(peers.modelDownloadCidrs.length > 0
      ? [
          {
            to: peers.modelDownloadCidrs.map((cidr) => ({ ipBlock: { cidr } })),
            ports: [{ protocol: "TCP", port: 443 }],
          },
        ]
      : []),
  ];
  const server = new k8s.networking.v1.NetworkPolicy(
    `${name}-server`,
    {
      metadata: { name: `${name}-server`, namespace, labels },
      spec: {
        podSelector: { matchLabels: serviceSelector(name) },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          { from: [pods(peers.ingressGateway)], ports: appPort },
          { from: [pods(peers.prometheus)], ports: appPort },
        ],
        egress,
      },
    },
    opts,
  );
  return [deny, server];
}

/** The off-hours scaler reaches only DNS and the Kubernetes API (whose address is outside any pod selector). */
export function createScalerNetworkPolicy(
  name: string,
  namespace: pulumi.Input<string>,
  podLabels: Record<string, string>,
  peers: NetworkPeers,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    `${name}-offhours`,
    {
      metadata: { name: `${name}-offhours`, namespace, labels: commonLabels(name) },
      spec: {
        podSelector: { matchLabels: podLabels },
        policyTypes: ["Ingress", "Egress"],
        egress: [
          ...baseEgress(peers),
          {
            ports: [
              { protocol: "TCP", port: 443 },
              { protocol: "TCP", port: 6443 },
            ],
          },
        ],
      },
    },
    opts,
  );
}
