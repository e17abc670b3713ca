import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resolveArgs } from "../../shared/componentConfig.js";
import type { DeepPartial } from "../../shared/schemaMerge.js";
import { CHARTS, IMAGES, installChart, present } from "../charts.js";
import { childOptions, type ClusterComponentArgs } from "../common.js";
import { DEFAULT_NAMESPACES } from "../namespaces/config.js";
import { type BackupsConfig, backupsConfig } from "./config.js";

/** The settings of {@link BackupsArgs} that come from `genai:backups`. */
const SETTINGS = ["s3", "fileSystemBackup", "schedules"] as const;

export interface BackupsArgs extends ClusterComponentArgs {
  /** S3-compatible location. `bucket` and `endpoint` are required (there is deliberately no default location). */
  readonly s3: S3Location;
  /** Access key of the location (secret). Required. */
  readonly credentials: pulumi.Input<{ accessKeyId: string; secretAccessKey: string }>;
  /**
   * Back up pod volumes with the node agent (kopia, incremental).
   * @default true
   */
  readonly fileSystemBackup?: boolean;
  /**
   * The 4-hourly and the daily full schedule (cron + TTL).
   * @default `0 *\/4 * * *` kept 168h, `30 1 * * *` kept 720h
   */
  readonly schedules?: DeepPartial<BackupsConfig["schedules"]>;
  /**
   * The workload namespace (model cache volume included): in every backup.
   * @default "genai"
   */
  readonly workloadNamespace?: pulumi.Input<string>;
  /**
   * Namespaces holding observability configs (dashboards, rules, monitors, Elastic resources).
   * @default none
   */
  readonly observabilityNamespaces?: pulumi.Input<string>[];
  /**
   * Every platform namespace, for the daily full backup.
   * @default workload + observability namespaces
   */
  readonly allNamespaces?: pulumi.Input<string>[];
  /**
   * Create the Velero ServiceMonitor (needs the monitoring CRDs).
   * @default false
   */
  readonly serviceMonitor?: boolean;
  /**
   * What must exist first (e.g. the monitoring CRDs).
   * @default none
   */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** An S3-compatible bucket (MinIO, Ceph RGW, ...). */
export interface S3Location {
  readonly bucket: string;
  /** e.g. `https://minio.backup.internal:9000`. */
  readonly endpoint: string;
  /**
   * Region name the store expects (MinIO: any).
   * @default "minio"
   */
  readonly region?: string;
  readonly prefix?: string;
  /** @default false */
  readonly insecureSkipTlsVerify?: boolean;
}

/** Backups' Args with every default applied. */
type ResolvedArgs = BackupsArgs &
  Pick<BackupsConfig, "fileSystemBackup" | "schedules"> & {
    readonly s3: Required<Omit<S3Location, "prefix">> & Pick<S3Location, "prefix">;
    readonly namespace: pulumi.Input<string>;
    readonly workloadNamespace: pulumi.Input<string>;
  };

/** Kinds that make up "the observability configs" in the frequent backup. */
export const OBSERVABILITY_RESOURCES = [
  "configmaps",
  "secrets",
  "servicemonitors.monitoring.coreos.com",
  "podmonitors.monitoring.coreos.com",
  "prometheusrules.monitoring.coreos.com",
  "elasticsearches.elasticsearch.k8s.elastic.co",
  "kibanas.kibana.k8s.elastic.co",
  "beats.beat.k8s.elastic.co",
];

const CREDENTIALS_SECRET = "velero-credentials";

/**
 * Velero with an S3-compatible location and the original design's schedules: every 4 hours the workload namespace
 * (model cache volume included) and the observability configs; daily a full backup of every platform namespace.
 */
export class Backups extends pulumi.ComponentResource {
  /** The Velero release: Schedules and other velero.io resources depend on it (CRDs). Absent when only rendering. */
  public readonly release?: pulumi.Resource;
  public readonly scheduleNames: pulumi.Output<string>[];

  constructor(name: string, given: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveArgs(backupsConfig, SETTINGS, given, `Backups ${name}`);
    const args: ResolvedArgs = {
      ...given,
      ...settings,
      // The schema leaves bucket and endpoint optional (they are checked across keys); here the type requires them.
      s3: { ...settings.s3, bucket: given.s3.bucket, endpoint: given.s3.endpoint },
      namespace: given.namespace ?? DEFAULT_NAMESPACES.backups,
      workloadNamespace: given.workloadNamespace ?? DEFAULT_NAMESPACES.workload,
    };
    super("genai:cluster:Backups", name, {}, opts);
    const ns = args.namespace;
    const credentials = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: { name: CREDENTIALS_SECRET, namespace: ns },
        // The AWS credentials-file format the S3 plugin reads.
        stringData: {
          cloud: pulumi.secret(
            pulumi
              .output(args.credentials)
              .apply(
                (c) =>
                  `[default]\naws_access_key_id=${c.accessKeyId}\naws_secret_access_key=${c.secretAccessKey}\n`,
              ),
          ),
        },
      },
      childOptions(this, args.provider),
    );
    this.release = installChart(
      `${name}-velero`,
      {
        spec: CHARTS.velero,
        charts: args.charts ?? {},
        releaseName: "velero",
        namespace: ns,
        values: veleroValues(args, credentials.metadata.name),
      },
      childOptions(this, args.provider, [credentials, ...(args.dependsOn ?? [])]),
    );
    const afterVelero = childOptions(this, args.provider, present(this.release));
    const schedule = (suffix: string, spec: pulumi.Input<Record<string, unknown>>) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${suffix}`,
        {
          apiVersion: "velero.io/v1",
          kind: "Schedule",
          metadata: { name: `genai-${suffix}`, namespace: ns },
          spec,
        },
        afterVelero,
      );
    const observability = args.observabilityNamespaces ?? [];
    const schedules = [
      schedule("workload", {
        schedule: args.schedules.frequent.cron,
        useOwnerReferencesInBackup: false,
        template: {
          includedNamespaces: [args.workloadNamespace],
          defaultVolumesToFsBackup: args.fileSystemBackup,
          snapshotVolumes: false,
          ttl: args.schedules.frequent.ttl,
        },
      }),
      ...(observability.length > 0
        ? [
            schedule("observability", {
              schedule: args.schedules.frequent.cron,
              useOwnerReferencesInBackup: false,
              template: {
                includedNamespaces: observability,
                includedResources: OBSERVABILITY_RESOURCES,
                // Configs only: the data volumes (metrics, logs) are in the daily full backup.
                snapshotVolumes: false,
                ttl: args.schedules.frequent.ttl,
              },
            }),
          ]
        : []),
      schedule("full", {
        schedule: args.schedules.full.cron,
        useOwnerReferencesInBackup: false,
        template: {
          includedNamespaces: args.allNamespaces ?? [args.workloadNamespace, ...observability],
          includeClusterResources: true,
          defaultVolumesToFsBackup: args.fileSystemBackup,
          snapshotVolumes: false,
          ttl: args.schedules.full.ttl,
        },
      }),
    ];
    this.scheduleNames = schedules.map((s) => s.metadata.name);
    this.registerOutputs({ scheduleNames: this.scheduleNames });
  }
}

/** The velero chart values this platform sets. */
export interface VeleroValues {
  initContainers: {
    name: string;
    image: string;
    imagePullPolicy: string;
    volumeMounts: { mountPath: string; name: string }[];
  }[];
  credentials: { useSecret: boolean; existingSecret: pulumi.Input<string> };
  configuration: {
    backupStorageLocation: {
      name: string;
      provider: "aws";
      bucket: string;
      prefix?: string;
      default: boolean;
      config: Record<string, string>;
    }[];
    volumeSnapshotLocation: never[];
    uploaderType: "kopia";
    defaultVolumesToFsBackup: boolean;
  };
  snapshotsEnabled: boolean;
  deployNodeAgent: boolean;
  metrics: { enabled: boolean; serviceMonitor: { enabled: boolean } };
}

function veleroValues(args: ResolvedArgs, credentialsSecret: pulumi.Input<string>): VeleroValues {
  return {
    initContainers: [
      {
        name: "velero-plugin-for-aws",
        image: IMAGES.veleroAwsPlugin,
        imagePullPolicy: "IfNotPresent",
        volumeMounts: [{ mountPath: "/target", name: "plugins" }],
      },
    ],
    credentials: { useSecret: true, existingSecret: credentialsSecret },
    configuration: {
      backupStorageLocation: [
        {
          name: "default",
          provider: "aws",
          bucket: args.s3.bucket,
          prefix: args.s3.prefix,
          default: true,
          config: {
            region: args.s3.region,
            s3Url: args.s3.endpoint,
            // On-prem S3 (MinIO, Ceph RGW) serves buckets by path, not by virtual host.
            s3ForcePathStyle: "true",
            insecureSkipTLSVerify: String(args.s3.insecureSkipTlsVerify),
          },
        },
      ],
      // No CSI/cloud snapshots on-prem: volumes go through the node agent instead.
      volumeSnapshotLocation: [],
      uploaderType: "kopia",
      defaultVolumesToFsBackup: args.fileSystemBackup,
    },
    snapshotsEnabled: false,
    deployNodeAgent: args.fileSystemBackup,
    metrics: { enabled: true, serviceMonitor: { enabled: args.serviceMonitor ?? false } },
  };
}
