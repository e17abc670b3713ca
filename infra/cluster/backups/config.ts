import { z } from "zod";
import type { ComponentConfig } from "../../shared/componentConfig.js";
import { cron, goDuration, url } from "../../shared/validators.js";

export const backupsSchema = z.strictObject({
  /** Install Velero with the S3-compatible location below (credentials: `genai:backupsCredentials`, secret). */
  enabled: z.boolean(),
  s3: z.strictObject({
    /** No default: required while backups are enabled. */
    bucket: z
      .string()
      .min(3)
      .optional()
      .describe(
        "bucket of the backup location; required while `backups.enabled` (`Pulumi.prod.yaml` sets it)",
      ),
    /** e.g. https://minio.backup.internal:9000. No default: required while backups are enabled. */
    endpoint: url
      .optional()
      .describe(
        "URL of the S3-compatible store (`https://minio.backup.internal:9000`); required while `backups.enabled`",
      ),
    region: z.string().min(1),
    prefix: z.string().min(1).optional().describe("key prefix inside the bucket"),
    insecureSkipTlsVerify: z.boolean(),
  }),
  /** Back up pod volumes with Velero's node agent (the model cache volume is one). */
  fileSystemBackup: z.boolean(),
  schedules: z.strictObject({
    /** Workload namespace (model cache volume included) and observability configs. */
    frequent: z.strictObject({ cron, ttl: goDuration }),
    /** Every platform namespace with its volumes. */
    full: z.strictObject({ cron, ttl: goDuration }),
  }),
});

export type BackupsConfig = z.infer<typeof backupsSchema>;

/** `genai:backups`: Velero, on in prod only; the location has deliberately no default. */
export const backupsConfig: ComponentConfig<BackupsConfig> = {
  key: "backups",
  schema: backupsSchema,
  defaults: {
    enabled: false,
    s3: { region: "minio", insecureSkipTlsVerify: false },
    fileSystemBackup: true,
    // The original design: a backup every 4 hours and a daily full one.
    schedules: { frequent: { cron: "0 */4 * * *", ttl: "168h" }, full: { cron: "30 1 * * *", ttl: "720h" } },
  },
  presets: { dev: {}, prod: { enabled: true }, ci: { enabled: false } },
};
