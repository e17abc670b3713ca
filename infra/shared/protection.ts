/**
 * PodDisruptionBudget and NetworkPolicy building blocks shared by the platform's own Deployments (the inference
 * server in infra/workload, Jaeger in infra/cluster), so every policy names peers and DNS the same way.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** Pods in another namespace, matched by the namespace's name label and pod labels. */
export interface PodsRef {
  readonly namespace: pulumi.Input<string>;
  readonly podLabels: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The cluster DNS (CoreDNS keeps kube-dns's label): the default DNS peer everywhere. */
export const CLUSTER_DNS: PodsRef = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } };

/** Every pod of one namespace, by the `kubernetes.io/metadata.name` label Kubernetes sets on each namespace. */
export function namespacePeer(namespace: pulumi.Input<string>): Peer {
  return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } };
}

/** The pods `ref` names, in its namespace only. */
export function podsPeer(ref: PodsRef): Peer {
  return { ...namespacePeer(ref.namespace), podSelector: { matchLabels: ref.podLabels } };
}

/** Egress to the DNS pods on UDP and TCP 53 (TCP for answers too large for UDP). */
export function dnsEgress(dns: PodsRef): EgressRule {
  return {
    to: [podsPeer(dns)],
    ports: [
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ],
  };
}

/** What a PodDisruptionBudget protects and how much a voluntary disruption (drain, upgrade) may take at once. */
export interface PdbSpec {
  /** Object name, also the `metadata.name`. */
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
  readonly labels: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The pods it covers. */
  readonly selector: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Pods that may be down at once. maxUnavailable rather than minAvailable: with one replica a drain still
   * proceeds (it evicts that pod) instead of blocking forever.
   */
  readonly maxUnavailable: number;
}

export function createPdb(
  resourceName: string,
  spec: PdbSpec,
  opts: pulumi.CustomResourceOptions,
): k8s.policy.v1.PodDisruptionBudget {
  return new k8s.policy.v1.PodDisruptionBudget(
    resourceName,
    {
      metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
      spec: { maxUnavailable: spec.maxUnavailable, selector: { matchLabels: spec.selector } },
    },
    opts,
  );
}
