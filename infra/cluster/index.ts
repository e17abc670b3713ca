// The cluster components as the package exports them: each component, its Args, its settings (schema, defaults
// and presets per environment) and what other stacks need from it (pod labels, URLs, names). Chart plumbing,
// values builders and child options stay inside the modules.

export { type ClusterComponentArgs } from "./common.js";
export { CHARTS, IMAGES, type ChartSettings, type ChartSpec, type InstallMode } from "./charts.js";
export { type ComponentConfig, presetFor } from "../shared/componentConfig.js";

export { Namespaces, type NamespacesArgs, POD_SECURITY } from "./namespaces/index.js";
export {
  type Concern,
  DEFAULT_NAMESPACES,
  type NamespacesConfig,
  namespacesConfig,
  namespacesSchema,
} from "./namespaces/config.js";

export { GpuOperator, type GpuOperatorArgs } from "./gpuOperator/index.js";
export { type GpuOperatorConfig, gpuOperatorConfig, gpuOperatorSchema } from "./gpuOperator/config.js";
export { DCGM_FIELDS } from "./gpuOperator/dcgmMetrics.js";

export {
  DASHBOARD_FOLDER_ANNOTATION,
  type GrafanaDatasource,
  KSM_LABELS,
  Monitoring,
  type MonitoringArgs,
  PROMETHEUS_POD_LABELS,
  prometheusPods,
  QUEUE_METRIC,
} from "./monitoring/index.js";
export {
  ALERT_RECEIVERS,
  type AlertReceiver,
  type AlertWebhooks,
  type MonitoringConfig,
  monitoringConfig,
  monitoringSchema,
} from "./monitoring/config.js";

export {
  ELASTICSEARCH_NAME,
  type ElasticsearchUser,
  LOG_INDEX_PATTERN,
  Logging,
  type LoggingArgs,
} from "./logging/index.js";
export { type LoggingConfig, loggingConfig, loggingSchema } from "./logging/config.js";

export {
  JAEGER_POD_LABELS,
  JAEGER_PORTS,
  jaegerCollectorPods,
  jaegerQueryUrl,
  TRACE_INDEX_PREFIX,
  type TraceStorage,
  Tracing,
  type TracingArgs,
  type TracingPeers,
} from "./tracing/index.js";
export { type TracingConfig, tracingConfig, tracingSchema } from "./tracing/config.js";

export {
  GATEWAY_NAME,
  INGRESS_GATEWAY_POD_LABELS,
  ingressGatewayPods,
  ISTIOD_POD_LABELS,
  istiodPods,
  Mesh,
  type MeshArgs,
  type TlsCertificate,
} from "./mesh/index.js";
export { type MeshConfig, meshConfig, meshSchema } from "./mesh/config.js";

export { Backups, type BackupsArgs, OBSERVABILITY_RESOURCES, type S3Location } from "./backups/index.js";
export { type BackupsConfig, backupsConfig, backupsSchema } from "./backups/config.js";
