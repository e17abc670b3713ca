import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/**
 * A VerticalPodAutoscaler in recommendation mode for one Deployment: `updateMode: "Off"` means the VPA only writes
 * CPU/memory recommendations into its status and never evicts or resizes pods, so it cannot fight the HPA, which
 * scales the same Deployment on CPU, memory and queue depth. Size `resources` from the recommendation by hand.
 */
export function createTrackVpa(
  name: string,
  namespace: pulumi.Input<string>,
  deploymentName: pulumi.Input<string>,
  labels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    `${name}-vpa`,
    {
      apiVersion: "autoscaling.k8s.io/v1",
      kind: "VerticalPodAutoscaler",
      metadata: { name, namespace, labels },
      spec: {
        targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
        updatePolicy: { updateMode: "Off" },
        // Recommend for the server only; the init container runs once and the sidecar is Istio's to size.
        resourcePolicy: {
          containerPolicies: [
            { containerName: "*", mode: "Off" },
            { containerName: "server", mode: "Auto", controlledResources: ["cpu", "memory"] },
          ],
        },
      },
    },
    opts,
  );
}
