import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "./config.js";
import { type Concern, Namespaces } from "./cluster/namespaces.js";

export interface GenAIPlatformArgs {
  /** The validated stack config (see `loadConfig`/`parseConfig` in infra/config.ts). Required. */
  readonly config: PlatformConfig;
  /** Kubernetes provider for every child. Default: one built from `config.kubernetes`. */
  readonly provider?: k8s.Provider;
}

/**
 * The whole platform: namespaces, then the cluster services (each switchable off), then the workload.
 * Outputs are what users and other stacks need: endpoints, namespaces, the gateway.
 */
export class GenAIPlatform extends pulumi.ComponentResource {
  public readonly provider: k8s.Provider;
  /** Namespace name per concern. */
  public readonly namespaces: Record<Concern, pulumi.Output<string>>;

  constructor(name: string, args: GenAIPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:platform:GenAIPlatform", name, {}, opts);
    const { config } = args;
    this.provider = args.provider ?? providerFor(`${name}-k8s`, config, this);

    // ---- Namespaces -------------------------------------------------------------------------------
    const ns = new Namespaces(
      `${name}-namespaces`,
      {
        names: config.namespaces.names,
        concerns: enabledConcerns(config),
        workloadQuota: config.namespaces.workloadQuota,
        workloadLimits: config.namespaces.workloadLimits,
        meshInjection: config.mesh.enabled,
        provider: this.provider,
      },
      { parent: this },
    );
    this.namespaces = ns.names;

    this.registerOutputs({ namespaces: this.namespaces });
  }
}

function providerFor(name: string, config: PlatformConfig, parent: pulumi.Resource): k8s.Provider {
  const { context, kubeconfig, renderYamlToDirectory } = config.kubernetes;
  return new k8s.Provider(name, { context, kubeconfig, renderYamlToDirectory }, { parent });
}

/** Namespaces to create: only for enabled services, and none at all when genai:namespaces.enabled is false. */
function enabledConcerns(config: PlatformConfig): Concern[] {
  if (!config.namespaces.enabled) return [];
  const enabled: Record<Concern, boolean> = {
    workload: true,
    gpuOperator: config.gpuOperator.enabled,
    monitoring: config.monitoring.enabled || config.monitoring.adapter.enabled,
    logging: config.logging.enabled,
    tracing: config.tracing.enabled,
    mesh: config.mesh.enabled,
    backups: config.backups.enabled,
  };
  return (Object.keys(enabled) as Concern[]).filter((c) => enabled[c]);
}
