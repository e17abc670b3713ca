import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify as toYaml } from "yaml";
import { resolveArgs } from "../../shared/componentConfig.js";
import type { DeepPartial } from "../../shared/schemaMerge.js";
import { CHARTS, installChart, present } from "../charts.js";
import { childOptions, type ClusterComponentArgs, serviceUrl } from "../common.js";
import { DEFAULT_NAMESPACES } from "../namespaces/config.js";
import { type LoggingConfig, loggingConfig } from "./config.js";
import { installElasticsearchExporter } from "./elasticsearchExporter.js";
import { selfSignedServerCert } from "../tls.js";

/** An Elasticsearch user for another component (e.g. Jaeger), allowed to write indices matching `indices`. */
export interface ElasticsearchUser {
  readonly username: string;
  /** Secret. */
  readonly password: pulumi.Input<string>;
  readonly indices: string[];
}

/** The settings of {@link LoggingArgs} that come from `genai:logging`. */
const SETTINGS = ["stackVersion", "elasticsearch", "kibana", "retention"] as const;

export interface LoggingArgs extends ClusterComponentArgs {
  /**
   * Elastic Stack version.
   * @default "9.2.0"
   */
  readonly stackVersion?: string;
  /**
   * Nodes, storage and resources (any subset; the rest from the default).
   * @default 1 node, 5Gi persistent, 1 CPU / 2Gi (prod preset: 3 nodes, 200Gi)
   */
  readonly elasticsearch?: DeepPartial<LoggingConfig["elasticsearch"]>;
  /**
   * Kibana.
   * @default enabled, 1 replica (prod preset: 2)
   */
  readonly kibana?: DeepPartial<LoggingConfig["kibana"]>;
  /**
   * ILM of `genai-logs-*`.
   * @default roll over daily or at 5gb, delete after 3 days (prod preset: 30gb, 30 days)
   */
  readonly retention?: DeepPartial<LoggingConfig["retention"]>;
  /**
   * Extra users in Elasticsearch's file realm.
   * @default none
   */
  readonly users?: readonly ElasticsearchUser[];
  /**
   * Create the Elasticsearch exporter's ServiceMonitor (needs the monitoring CRDs).
   * @default false
   */
  readonly serviceMonitor?: boolean;
  /**
   * What the exporter waits for (the monitoring CRDs, for its ServiceMonitor).
   * @default none
   */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Logging's Args with every default applied. */
type ResolvedArgs = LoggingArgs &
  Pick<LoggingConfig, (typeof SETTINGS)[number]> & { readonly namespace: pulumi.Input<string> };

/** Name of the Elasticsearch cluster (and prefix of its services: `genai-logs-es-http`). */
export const ELASTICSEARCH_NAME = "genai-logs";
const KIBANA_NAME = "genai-kibana";
/** Index pattern every pod's log lands in. */
export const LOG_INDEX_PATTERN = "genai-logs-*";

/**
 * ECK operator, Elasticsearch, Kibana, Filebeat shipping every pod's JSON logs into `genai-logs-*` with ILM, and the
 * Elasticsearch exporter for Prometheus.
 */
export class Logging extends pulumi.ComponentResource {
  /** The ECK operator release: Elasticsearch, Kibana and Beat depend on it (CRDs). Absent when only rendering. */
  public readonly operator?: pulumi.Resource;
  public readonly elasticsearch: k8s.apiextensions.CustomResource;
  /** `https://genai-logs-es-http.<ns>.svc:9200` */
  public readonly elasticsearchUrl: pulumi.Output<string>;
  /** The certificate Elasticsearch serves (self-signed): clients pin it as their CA. */
  public readonly elasticsearchCaPem: pulumi.Output<string>;
  public readonly kibanaUrl?: pulumi.Output<string>;

  constructor(name: string, given: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
    const args: ResolvedArgs = {
      ...given,
      namespace: given.namespace ?? DEFAULT_NAMESPACES.logging,
      ...resolveArgs(loggingConfig, SETTINGS, given, `Logging ${name}`),
    };
    super("genai:cluster:Logging", name, {}, opts);
    const ns = args.namespace;
    this.operator = installChart(
      `${name}-eck`,
      {
        spec: CHARTS.eckOperator,
        charts: args.charts ?? {},
        releaseName: "eck-operator",
        namespace: ns,
        // Watch only this namespace: the operator needs no rights elsewhere.
        values: { installCRDs: true, managedNamespaces: [ns] },
      },
      childOptions(this, args.provider),
    );
    const afterOperator = childOptions(this, args.provider, present(this.operator));

    const httpService = `${ELASTICSEARCH_NAME}-es-http`;
    const cert = selfSignedServerCert(
      `${name}-es-http`,
      {
        commonName: httpService,
        dnsNames: [
          httpService,
          pulumi.interpolate`${httpService}.${ns}.svc`,
          pulumi.interpolate`${httpService}.${ns}.svc.cluster.local`,
        ],
      },
      { parent: this },
    );
    const tlsSecret = new k8s.core.v1.Secret(
      `${name}-es-http-tls`,
      {
        metadata: { name: `${ELASTICSEARCH_NAME}-http-tls`, namespace: ns },
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": cert.certPem, "tls.key": cert.privateKeyPem, "ca.crt": cert.certPem },
      },
      childOptions(this, args.provider),
    );
    const auth = args.users?.length ? this.fileRealm(name, args.users, args) : undefined;

    this.elasticsearch = new k8s.apiextensions.CustomResource(
      `${name}-elasticsearch`,
      {
        apiVersion: "elasticsearch.k8s.elastic.co/v1",
        kind: "Elasticsearch",
        metadata: { name: ELASTICSEARCH_NAME, namespace: ns },
        spec: {
          version: args.stackVersion,
          http: { tls: { certificate: { secretName: tlsSecret.metadata.name } } },
          auth,
          nodeSets: [elasticsearchNodeSet(args.elasticsearch)],
        },
      },
      afterOperator,
    );
    this.elasticsearchUrl = serviceUrl(httpService, ns, 9200, "https");
    this.elasticsearchCaPem = cert.certPem;

    if (args.kibana.enabled) {
      new k8s.apiextensions.CustomResource(
        `${name}-kibana`,
        {
          apiVersion: "kibana.k8s.elastic.co/v1",
          kind: "Kibana",
          metadata: { name: KIBANA_NAME, namespace: ns },
          spec: {
            version: args.stackVersion,
            count: args.kibana.replicas,
            elasticsearchRef: { name: ELASTICSEARCH_NAME },
          },
        },
        afterOperator,
      );
      this.kibanaUrl = serviceUrl(`${KIBANA_NAME}-kb-http`, ns, 5601, "https");
    }
    this.filebeat(name, args, afterOperator);
    // Cluster health and disk space for the Elasticsearch alerts (dashboards/rules/platform-services.yaml).
    installElasticsearchExporter(
      `${name}-exporter`,
      {
        charts: args.charts ?? {},
        namespace: ns,
        url: this.elasticsearchUrl,
        // ECK generates this Secret (key `elastic`) when it creates the cluster.
        elasticUserSecret: `${ELASTICSEARCH_NAME}-es-elastic-user`,
        caSecret: tlsSecret.metadata.name,
        serviceMonitor: args.serviceMonitor ?? false,
      },
      childOptions(this, args.provider, [this.elasticsearch, ...(args.dependsOn ?? [])]),
    );
    this.registerOutputs({ elasticsearchUrl: this.elasticsearchUrl, kibanaUrl: this.kibanaUrl });
  }

  /** Users with one role each, allowed to manage and write their own indices. */
  private fileRealm(name: string, users: readonly ElasticsearchUser[], args: ResolvedArgs) {
    const roles = Object.fromEntries(
      users.map((u) => [
        `${u.username}_writer`,
        {
          cluster: ["monitor", "manage_index_templates", "manage_ilm"],
          indices: [{ names: u.indices, privileges: ["all"] }],
        },
      ]),
    );
    const rolesSecret = new k8s.core.v1.Secret(
      `${name}-roles`,
      {
        metadata: { name: `${ELASTICSEARCH_NAME}-roles`, namespace: args.namespace },
        stringData: { "roles.yml": toYaml(roles) },
      },
      childOptions(this, args.provider),
    );
    const userSecrets = users.map(
      (u) =>
        new k8s.core.v1.Secret(
          `${name}-user-${u.username}`,
          {
            metadata: { name: `${ELASTICSEARCH_NAME}-user-${u.username}`, namespace: args.namespace },
            type: "kubernetes.io/basic-auth",
            stringData: {
              username: u.username,
              password: pulumi.secret(u.password),
              roles: `${u.username}_writer`,
            },
          },
          childOptions(this, args.provider),
        ),
    );
    return {
      roles: [{ secretName: rolesSecret.metadata.name }],
      fileRealm: userSecrets.map((s) => ({ secretName: s.metadata.name })),
    };
  }

  /** Filebeat on every node: reads the container logs, decodes JSON lines, writes `genai-logs-*` under ILM. */
  private filebeat(name: string, args: ResolvedArgs, opts: pulumi.CustomResourceOptions) {
    const ns = args.namespace;
    const childOpts = childOptions(this, args.provider);
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-filebeat`,
      { metadata: { name: "filebeat", namespace: ns } },
      childOpts,
    );
    // add_kubernetes_metadata reads pods, namespaces and nodes to label every line.
    const role = new k8s.rbac.v1.ClusterRole(
      `${name}-filebeat`,
      {
        rules: [
          { apiGroups: [""], resources: ["pods", "namespaces", "nodes"], verbs: ["get", "list", "watch"] },
        ],
      },
      childOpts,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-filebeat`,
      {
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: ns }],
      },
      childOpts,
    );
    const ilm = new k8s.core.v1.ConfigMap(
      `${name}-ilm`,
      {
        metadata: { name: "genai-logs-ilm", namespace: ns },
        data: { "policy.json": JSON.stringify(ilmPolicy(args.retention)) },
      },
      childOpts,
    );
    return new k8s.apiextensions.CustomResource(
      `${name}-filebeat`,
      {
        apiVersion: "beat.k8s.elastic.co/v1beta1",
        kind: "Beat",
        metadata: { name: "filebeat", namespace: ns },
        spec: {
          type: "filebeat",
          version: args.stackVersion,
          elasticsearchRef: { name: ELASTICSEARCH_NAME },
          config: filebeatConfig(),
          daemonSet: {
            podTemplate: {
              spec: {
                serviceAccountName: account.metadata.name,
                automountServiceAccountToken: true,
                // Host log files are owned by root; the container stays unprivileged otherwise.
                securityContext: { runAsUser: 0 },
                containers: [
                  {
                    name: "filebeat",
                    env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                    securityContext: {
                      allowPrivilegeEscalation: false,
                      capabilities: { drop: ["ALL"], add: ["DAC_READ_SEARCH"] },
                    },
                    resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "400Mi" } },
                    volumeMounts: [
                      { name: "varlogcontainers", mountPath: "/var/log/containers", readOnly: true },
                      { name: "varlogpods", mountPath: "/var/log/pods", readOnly: true },
                      { name: "ilm", mountPath: "/usr/share/filebeat/ilm", readOnly: true },
                    ],
                  },
                ],
                volumes: [
                  { name: "varlogcontainers", hostPath: { path: "/var/log/containers" } },
                  { name: "varlogpods", hostPath: { path: "/var/log/pods" } },
                  { name: "ilm", configMap: { name: ilm.metadata.name } },
                ],
              },
            },
          },
        },
      },
      { ...opts, dependsOn: [...present(this.operator), this.elasticsearch, ilm] },
    );
  }
}

/** The ILM policy of `genai-logs-*`: roll over by age or size, delete after the retention. */
export function ilmPolicy(retention: LoggingConfig["retention"]) {
  return {
    policy: {
      phases: {
        hot: {
          actions: {
            rollover: { max_age: retention.rolloverAge, max_primary_shard_size: retention.rolloverSize },
          },
        },
        delete: { min_age: `${retention.deleteAfterDays}d`, actions: { delete: {} } },
      },
    },
  };
}

/** Filebeat config: every container's log, JSON lines decoded into fields, written to `genai-logs-<version>`. */
export function filebeatConfig() {
  return {
    "filebeat.inputs": [
      {
        type: "filestream",
        id: "kubernetes-container-logs",
        paths: ["/var/log/containers/*.log"],
        "prospector.scanner.symlinks": true,
        parsers: [{ container: {} }],
        processors: [
          {
            add_kubernetes_metadata: {
              host: "${NODE_NAME}",
              matchers: [{ logs_path: { logs_path: "/var/log/containers/" } }],
            },
          },
          // JSON lines (the inference server logs pino JSON) become fields; other lines stay as `message`.
          {
            decode_json_fields: {
              fields: ["message"],
              target: "",
              overwrite_keys: false,
              add_error_key: true,
            },
          },
        ],
      },
    ],
    "output.elasticsearch": { index: "genai-logs-%{[agent.version]}" },
    "setup.template": { name: "genai-logs", pattern: LOG_INDEX_PATTERN },
    "setup.ilm": {
      enabled: true,
      policy_name: "genai-logs",
      policy_file: "/usr/share/filebeat/ilm/policy.json",
      overwrite: true,
    },
  };
}

function elasticsearchNodeSet(es: LoggingConfig["elasticsearch"]) {
  const dataVolume = es.storage.persistence
    ? {
        volumeClaimTemplates: [
          {
            metadata: { name: "elasticsearch-data" },
            spec: {
              accessModes: ["ReadWriteOnce"],
              storageClassName: es.storage.storageClass,
              resources: { requests: { storage: es.storage.size } },
            },
          },
        ],
      }
    : {};
  return {
    name: "default",
    count: es.nodes,
    // No mmap: no vm.max_map_count sysctl (and no privileged init container) needed on the nodes.
    config: { "node.store.allow_mmap": false },
    podTemplate: {
      spec: {
        containers: [
          {
            name: "elasticsearch",
            resources: {
              requests: { cpu: es.resources.cpu, memory: es.resources.memory },
              limits: { memory: es.resources.memory },
            },
          },
        ],
        // Without persistence ECK needs the data volume declared as emptyDir.
        volumes: es.storage.persistence ? [] : [{ name: "elasticsearch-data", emptyDir: {} }],
        // One node per host when there are several, so a host failure keeps a quorum.
        affinity:
          es.nodes > 1
            ? {
                podAntiAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [
                    {
                      labelSelector: {
                        matchLabels: { "elasticsearch.k8s.elastic.co/cluster-name": ELASTICSEARCH_NAME },
                      },
                      topologyKey: "kubernetes.io/hostname",
                    },
                  ],
                },
              }
            : undefined,
      },
    },
    ...dataVolume,
  };
}
