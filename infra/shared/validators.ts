/**
 * The zod validators every config schema shares (cluster components, the workload, the platform's top-level keys):
 * one definition each, so a quantity or a hostname means the same thing under every key.
 */
import { z } from "zod";

/** A Kubernetes quantity: 500m, 2, 1.5, 2Gi. */
export const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, "expected a Kubernetes quantity such as 500m, 2Gi");

/** A DNS-1123 label: Secret, namespace and other object names. */
export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "expected a DNS label (a-z, 0-9, -)");

/** A hostname, optionally with a leading `*.` wildcard label. The one hostname pattern of the project. */
export const HOSTNAME_PATTERN = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const hostname = z.string().regex(HOSTNAME_PATTERN, "expected a hostname");
/** A host an Istio Gateway server accepts: a hostname or `*` (any host). */
export const hostnameOrAny = z
  .string()
  .refine((h) => h === "*" || HOSTNAME_PATTERN.test(h), "expected a hostname or *");

/** Prometheus/Alertmanager durations: 15d, 6h, 30m. */
export const promDuration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d|w|y)$/, "expected a duration such as 30m, 6h, 15d");
/** Go durations (Velero TTLs): 168h, 72h30m. */
export const goDuration = z
  .string()
  .regex(/^(\d+h)?(\d+m)?(\d+s)?$/, "expected a Go duration such as 168h or 72h30m");
export const cron = z.string().regex(/^(\S+\s+){4}\S+$/, "expected a five-field cron expression");
export const url = z.url();
export const sha256 = z.string().regex(/^[a-f0-9]{64}$/, "expected 64 lowercase hex characters");

/** CPU and memory of a request or limit. */
export const resourcesSchema = z.strictObject({ cpu: quantity, memory: quantity });
export type ResourcesConfig = z.infer<typeof resourcesSchema>;

/** A data volume. */
export const storageSchema = z.strictObject({
  /** Keep data on a PersistentVolumeClaim (false: emptyDir, lost with the pod). */
  persistence: z.boolean(),
  /** PVC size. */
  size: quantity,
  /** StorageClass; the cluster default when unset. */
  storageClass: z
    .string()
    .min(1)
    .optional()
    .describe("StorageClass of the volume; the cluster default when unset"),
});
export type StorageConfig = z.infer<typeof storageSchema>;
