import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { InferenceConfig } from "./config.js";
import { APP_PORT, APP_PORT_NAME, type Track, trackLabels, trackSelector } from "./labels.js";
import { MODEL_DIR, MODEL_VOLUME, type ModelConfig, modelInitContainer } from "./modelCache.js";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./podSecurity.js";
import { type ServedModel, serverEnv } from "./serverEnv.js";

type PodSpec = k8s.types.input.core.v1.PodSpec;

export interface TrackDeploymentArgs {
  readonly name: string;
  readonly track: Track;
  readonly namespace: pulumi.Input<string>;
  readonly config: InferenceConfig;
  readonly image: pulumi.Input<string>;
  readonly version: string;
  readonly model: ModelConfig;
  readonly modelClaimName: pulumi.Input<string>;
  readonly serviceAccountName: pulumi.Input<string>;
  readonly apiKeysSecretName: pulumi.Input<string>;
  readonly apiKeysSecretKey: string;
  readonly imagePullSecretName?: pulumi.Input<string>;
  readonly tracingEndpoint?: pulumi.Input<string>;
  /** The model's API name, kind and the endpoint's catalog (genai:models). */
  readonly served?: ServedModel;
}

/** Seconds added to the server's drain time so the kubelet never kills a pod that is still finishing requests. */
export const GRACE_MARGIN_SECONDS = 15;
const PROBE_PERIOD_SECONDS = 10;

/**
 * One track's Deployment. `spec.replicas` is left out on purpose: the track's HPA owns the replica count, and a value
 * here would reset it on every `pulumi up`.
 */
export function createTrackDeployment(
  a: TrackDeploymentArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.Deployment {
  const labels = trackLabels(a.name, a.track, a.version);
  return new k8s.apps.v1.Deployment(
    `${a.name}-${a.track}`,
    {
      metadata: { name: `${a.name}-${a.track}`, namespace: a.namespace, labels },
      spec: {
        selector: { matchLabels: trackSelector(a.name, a.track) },
        revisionHistoryLimit: 5,
        // Never drop below the current capacity during a rollout; a GPU node needs room for one extra pod.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels, annotations: { "kubectl.kubernetes.io/default-container": "server" } },
          spec: podSpec(a),
        },
      },
    },
    opts,
  );
}

function podSpec(a: TrackDeploymentArgs): PodSpec {
  const c = a.config;
  return {
    serviceAccountName: a.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(),
    terminationGracePeriodSeconds: c.drainSeconds + GRACE_MARGIN_SECONDS,
    ...(a.imagePullSecretName !== undefined ? { imagePullSecrets: [{ name: a.imagePullSecretName }] } : {}),
    ...(c.gpu.enabled ? { nodeSelector: c.gpu.nodeSelector, tolerations: c.gpu.tolerations } : {}),
    ...(c.topologySpread ? { topologySpreadConstraints: spread(a) } : {}),
    initContainers: [modelInitContainer(a.image, a.model)],
    containers: [
      {
        name: "server",
        image: a.image,
        ports: [{ name: APP_PORT_NAME, containerPort: APP_PORT, protocol: "TCP" }],
        env: serverEnv({
          config: c,
          track: a.track,
          model: a.model,
          modelDir: MODEL_DIR,
          apiKeysSecretName: a.apiKeysSecretName,
          apiKeysSecretKey: a.apiKeysSecretKey,
          ...(a.tracingEndpoint !== undefined ? { tracingEndpoint: a.tracingEndpoint } : {}),
          ...(a.served !== undefined ? { served: a.served } : {}),
        }),
        resources: resources(c),
        // Startup covers the model load; liveness only asks "is the process alive", readiness "can it serve now".
        startupProbe: httpProbe("/health", {
          periodSeconds: PROBE_PERIOD_SECONDS,
          failureThreshold: Math.ceil(c.startupSeconds / PROBE_PERIOD_SECONDS),
        }),
        livenessProbe: httpProbe("/health", { periodSeconds: PROBE_PERIOD_SECONDS, failureThreshold: 3 }),
        readinessProbe: httpProbe("/ready", { periodSeconds: 5, failureThreshold: 2 }),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [
          { name: MODEL_VOLUME, mountPath: MODEL_DIR, readOnly: true },
          { name: "tmp", mountPath: "/tmp" },
        ],
      },
    ],
    volumes: [
      { name: MODEL_VOLUME, persistentVolumeClaim: { claimName: a.modelClaimName } },
      // The root filesystem is read-only; node-llama-cpp and Node.js still want a scratch directory.
      { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
    ],
  };
}

function resources(c: InferenceConfig): k8s.types.input.core.v1.ResourceRequirements {
  const gpu: Record<string, string> = c.gpu.enabled ? { [c.gpu.resourceName]: String(c.gpu.count) } : {};
  return {
    requests: { ...c.resources.requests, ...gpu },
    limits: { ...c.resources.limits, ...gpu },
  };
}

function httpProbe(
  path: string,
  timing: { periodSeconds: number; failureThreshold: number },
): k8s.types.input.core.v1.Probe {
  return { httpGet: { path, port: APP_PORT_NAME }, timeoutSeconds: 5, successThreshold: 1, ...timing };
}

/** Spread across nodes (hard) and zones (soft); only nodes matching the GPU nodeSelector count as domains. */
function spread(a: TrackDeploymentArgs): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  const labelSelector = { matchLabels: trackSelector(a.name, a.track) };
  return [
    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector },
    {
      maxSkew: 1,
      topologyKey: "topology.kubernetes.io/zone",
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector,
    },
  ];
}
