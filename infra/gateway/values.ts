// Helm values of the three pinned charts the model gateway installs. Typed here so a wrong key is a compile
// error rather than a value the chart silently ignores.
import { BBR_NAME, BBR_PORT, EPP_PORT } from "./names.js";

/**
 * What the endpoint picker scores pods on, as the server exports it (inference/src/metrics/names.ts EPP_METRICS;
 * test/unit/gateway/modelGateway.test.ts holds the two to each other): queue depth and the 0..1 share of slots in use.
 */
export const EPP_METRICS = {
  totalQueuedRequests: "genai_requests_waiting",
  kvCacheUsagePercentage: "genai_kv_cache_usage_ratio",
} as const;

export interface EppValues {
  inferenceExtension: {
    replicas: number;
    image: { pullPolicy: "IfNotPresent" };
    extProcPort: number;
    flags: { name: string; value: string | number }[];
  };
  inferencePool: { targetPorts: { number: number }[]; modelServers: { matchLabels: Record<string, string> } };
  provider: { name: "istio" };
}

/**
 * The `inferencepool` chart: one InferencePool selecting `selector` on `port`, and its endpoint picker, told the
 * names under which this project's server exports queue depth and slot usage (the defaults are vLLM's) and that
 * there are no LoRA adapters to read (an empty metric name switches that scrape off).
 */
export function eppValues(selector: Record<string, string>, port: number, replicas: number): EppValues {
  return {
    inferenceExtension: {
      replicas,
      image: { pullPolicy: "IfNotPresent" },
      extProcPort: EPP_PORT,
      flags: [
        { name: "v", value: 1 },
        { name: "total-queued-requests-metric", value: EPP_METRICS.totalQueuedRequests },
        { name: "kv-cache-usage-percentage-metric", value: EPP_METRICS.kvCacheUsagePercentage },
        { name: "lora-info-metric", value: "" },
      ],
    },
    inferencePool: { targetPorts: [{ number: port }], modelServers: { matchLabels: selector } },
    // Renders the DestinationRule that makes the gateway speak TLS to the picker's self-signed gRPC port.
    provider: { name: "istio" },
  };
}

export interface BbrValues {
  bbr: { name: string; replicas: number; image: { pullPolicy: "IfNotPresent" }; port: number };
  provider: { name: "none" };
}

/**
 * The `body-based-routing` chart. Provider `none`: its Istio EnvoyFilter has no workload selector and would put the
 * filter in front of every sidecar of the namespace; the component writes one scoped to the gateway's pods.
 */
export function bbrValues(replicas: number): BbrValues {
  return {
    bbr: { name: BBR_NAME, replicas, image: { pullPolicy: "IfNotPresent" }, port: BBR_PORT },
    provider: { name: "none" },
  };
}

export interface VpaValues {
  admissionController: { enabled: false };
  updater: { enabled: false };
  recommender: { enabled: true; replicas: number };
}

/**
 * The `vertical-pod-autoscaler` chart, recommender only: every VerticalPodAutoscaler here is `updateMode: "Off"`
 * (the HPA owns the replica count and requests stay as configured), so neither the updater that evicts pods nor
 * the admission webhook that rewrites them is needed.
 */
export function vpaValues(replicas: number): VpaValues {
  return {
    admissionController: { enabled: false },
    updater: { enabled: false },
    recommender: { enabled: true, replicas },
  };
}
