import type * as pulumi from "@pulumi/pulumi";
import { type ChartSettings, CHARTS, installChart } from "../charts.js";

/** Release name; the exporter's Service is `es-exporter-prometheus-elasticsearch-exporter`. */
const RELEASE_NAME = "es-exporter";
/** Where the Elasticsearch HTTP certificate Secret is mounted; the exporter trusts its `ca.crt`. */
const CA_MOUNT = "/etc/elasticsearch-ca";

export interface ElasticsearchExporterArgs {
  readonly namespace: pulumi.Input<string>;
  /** `https://<cluster>-es-http.<ns>.svc:9200`, without credentials. */
  readonly url: pulumi.Input<string>;
  /** ECK's generated `<cluster>-es-elastic-user` Secret; its key `elastic` holds the password. */
  readonly elasticUserSecret: pulumi.Input<string>;
  /** Secret with the `ca.crt` Elasticsearch's HTTP certificate chains to. */
  readonly caSecret: pulumi.Input<string>;
  /** Create the ServiceMonitor (needs the monitoring CRDs). */
  readonly serviceMonitor: boolean;
}

/** The prometheus-elasticsearch-exporter values this platform sets. */
export interface ElasticsearchExporterValues {
  es: {
    uri: pulumi.Input<string>;
    all: boolean;
    indices: boolean;
    indices_settings: boolean;
    indices_mappings: boolean;
    shards: boolean;
    snapshots: boolean;
    timeout: string;
    ssl: {
      enabled: boolean;
      useExistingSecrets: boolean;
      ca: { path: string };
      client: { enabled: boolean };
    };
  };
  env: Record<string, string>;
  extraEnvSecrets: Record<string, { secret: pulumi.Input<string>; key: string }>;
  secretMounts: { name: string; secretName: pulumi.Input<string>; path: string }[];
  resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
  serviceMonitor: { enabled: boolean; interval: string; scrapeTimeout: string };
}

export function elasticsearchExporterValues(args: ElasticsearchExporterArgs): ElasticsearchExporterValues {
  return {
    es: {
      uri: args.url,
      // Cluster health and every node's filesystem: what the Elasticsearch alerts read.
      all: true,
      indices: true,
      // Per-index settings and mappings multiply the series for no alert or panel that uses them.
      indices_settings: false,
      indices_mappings: false,
      shards: false,
      snapshots: false,
      timeout: "30s",
      // The CA comes from an existing Secret; no client certificate (basic auth instead).
      ssl: {
        enabled: true,
        useExistingSecrets: true,
        ca: { path: `${CA_MOUNT}/ca.crt` },
        client: { enabled: false },
      },
    },
    // The exporter reads basic-auth credentials from these variables, keeping the password out of its args.
    env: { ES_USERNAME: "elastic" },
    extraEnvSecrets: { ES_PASSWORD: { secret: args.elasticUserSecret, key: "elastic" } },
    secretMounts: [{ name: "elasticsearch-ca", secretName: args.caSecret, path: CA_MOUNT }],
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
    serviceMonitor: { enabled: args.serviceMonitor, interval: "30s", scrapeTimeout: "25s" },
  };
}

/** prometheus-elasticsearch-exporter against the logging cluster (the chart's defaults run it non-root, read-only). */
export function installElasticsearchExporter(
  name: string,
  args: ElasticsearchExporterArgs & { readonly charts: ChartSettings },
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions,
): pulumi.Resource | undefined {
  return installChart(
    name,
    {
      spec: CHARTS.elasticsearchExporter,
      charts: args.charts,
      releaseName: RELEASE_NAME,
      namespace: args.namespace,
      values: elasticsearchExporterValues(args),
    },
    opts,
  );
}
