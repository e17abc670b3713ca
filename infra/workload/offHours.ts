import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { InferenceConfig } from "./config.js";
import { commonLabels } from "./labels.js";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./podSecurity.js";

/** Official kubectl image, pinned; it has no shell, so the CronJob runs kubectl directly. */
export const KUBECTL_IMAGE = "registry.k8s.io/kubectl:v1.32.9";
/** The distroless `nonroot` user. */
const KUBECTL_UID = 65532;

export interface OffHoursArgs {
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
  /** The HPA whose minReplicas moves (the stable track's). */
  readonly hpaName: string;
  /** minReplicas in working hours. */
  readonly dayMinReplicas: number;
  readonly offHours: InferenceConfig["autoscaling"]["offHours"];
}

/** Labels of the scaler's pods, selected by their own NetworkPolicy. */
export function offHoursPodLabels(name: string): Record<string, string> {
  return { ...commonLabels(name), "app.kubernetes.io/component": "off-hours-scaler" };
}

/**
 * Two CronJobs lower the HPA's minReplicas in the evening and restore it in the morning (the HPA still scales up
 * on load at night). Their ServiceAccount may only get and patch that one HPA.
 */
export function createOffHoursScaler(
  a: OffHoursArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.batch.v1.CronJob[] {
  const base = `${a.name}-offhours`;
  const labels = offHoursPodLabels(a.name);
  const sa = new k8s.core.v1.ServiceAccount(
    base,
    { metadata: { name: base, namespace: a.namespace, labels } },
    opts,
  );
  const role = new k8s.rbac.v1.Role(
    base,
    {
      metadata: { name: base, namespace: a.namespace, labels },
      rules: [
        {
          apiGroups: ["autoscaling"],
          resources: ["horizontalpodautoscalers"],
          resourceNames: [a.hpaName],
          verbs: ["get", "patch"],
        },
      ],
    },
    opts,
  );
  const binding = new k8s.rbac.v1.RoleBinding(
    base,
    {
      metadata: { name: base, namespace: a.namespace, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: a.namespace }],
    },
    opts,
  );
  const job = (suffix: string, schedule: string, minReplicas: number) =>
    new k8s.batch.v1.CronJob(
      `${base}-${suffix}`,
      {
        metadata: { name: `${base}-${suffix}`, namespace: a.namespace, labels },
        spec: {
          schedule,
          timeZone: a.offHours.timezone,
          concurrencyPolicy: "Replace",
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 3,
              activeDeadlineSeconds: 300,
              template: {
                metadata: { labels },
                spec: {
                  serviceAccountName: sa.metadata.name,
                  restartPolicy: "OnFailure",
                  securityContext: restrictedPodSecurityContext(KUBECTL_UID),
                  containers: [
                    {
                      name: "kubectl",
                      image: KUBECTL_IMAGE,
                      args: [
                        "patch",
                        "horizontalpodautoscaler",
                        a.hpaName,
                        "--type=merge",
                        `--patch=${JSON.stringify({ spec: { minReplicas } })}`,
                      ],
                      env: [{ name: "HOME", value: "/tmp" }],
                      resources: {
                        requests: { cpu: "10m", memory: "32Mi" },
                        limits: { cpu: "100m", memory: "64Mi" },
                      },
                      securityContext: restrictedContainerSecurityContext(),
                      volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    },
                  ],
                  volumes: [{ name: "tmp", emptyDir: { sizeLimit: "16Mi" } }],
                },
              },
            },
          },
        },
      },
      { ...opts, dependsOn: [binding] },
    );
  return [
    job("night", a.offHours.schedule, a.offHours.minReplicas),
    job("morning", a.offHours.restoreSchedule, a.dayMinReplicas),
  ];
}
