import type * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

/** The UID/GID the server image runs as (the `node` user of the Node.js base image). */
export const APP_UID = 1000;

/**
 * Pod-level settings of the Pod Security "restricted" profile. fsGroup makes the model cache volume writable for the
 * init step without running anything as root.
 */
export function restrictedPodSecurityContext(uid: number = APP_UID): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level settings of the "restricted" profile, with a read-only root filesystem on top. */
export function restrictedContainerSecurityContext(): SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
