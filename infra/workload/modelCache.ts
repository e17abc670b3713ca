import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { InferenceConfig } from "./config.js";
import { commonLabels } from "./labels.js";
import { restrictedContainerSecurityContext } from "./podSecurity.js";

export type ModelConfig = InferenceConfig["model"];

/** Where the cache volume is mounted (read-write in the init step, read-only in the server). */
export const MODEL_DIR = "/models";
export const MODEL_VOLUME = "models";

/**
 * The PVC that holds one model. It outlives pods, so the download happens once per volume; the init step skips a
 * file that is present with the right checksum.
 */
export function createModelCache(
  name: string,
  namespace: pulumi.Input<string>,
  cache: InferenceConfig["modelCache"],
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.PersistentVolumeClaim {
  return new k8s.core.v1.PersistentVolumeClaim(
    name,
    {
      metadata: {
        name,
        namespace,
        labels: { ...commonLabels(name), "app.kubernetes.io/component": "model-cache" },
      },
      spec: {
        accessModes: [cache.accessMode],
        resources: { requests: { storage: cache.size } },
        ...(cache.storageClass !== undefined ? { storageClassName: cache.storageClass } : {}),
      },
    },
    opts,
  );
}

/**
 * The init container that fills the cache: the server image's own fetch tool downloads `model.uri` into the volume,
 * verifies the SHA-256 and does nothing when a verified file is already there.
 */
export function modelInitContainer(
  image: pulumi.Input<string>,
  model: ModelConfig,
): k8s.types.input.core.v1.Container {
  return {
    name: "fetch-model",
    image,
    command: ["node", "dist/fetch-model.js"],
    args: ["--dest", MODEL_DIR, "--file", model.file, "--sha256", model.sha256, "--uri", model.uri],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [
      { name: MODEL_VOLUME, mountPath: MODEL_DIR },
      { name: "tmp", mountPath: "/tmp" },
    ],
  };
}
