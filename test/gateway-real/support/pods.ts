// A Pod object standing for a server the test runs itself: labelled like the platform's track pods, never
// scheduled (its schedulerName names no scheduler, so no kwok node takes it over), and given the status a kubelet
// would write once the server is up: Running, Ready, podIP = the loopback address the server listens on.
import type { Kube } from "../../e2e/support/kube.js";

export async function addServerPod(
  kube: Kube,
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ip: string,
): Promise<void> {
  await kube.apply([
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace, labels },
      spec: {
        schedulerName: "genai-none",
        automountServiceAccountToken: false,
        containers: [{ name: "server", image: "genai-inference:test" }],
      },
    },
  ]);
  const status = {
    phase: "Running",
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: "Ready", status: "True" }],
  };
  const patch = JSON.stringify({ status });
  await kube.kubectl([
    "patch",
    "pod",
    name,
    "-n",
    namespace,
    "--subresource=status",
    "--type=merge",
    "-p",
    patch,
  ]);
}
