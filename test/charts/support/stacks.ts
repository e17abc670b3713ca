/**
 * The values the stacks pass to each pinned chart, and the custom resources they create, taken from the real
 * program under the unit suite's mocks (test/unit/support/program.ts).
 */
import { CHARTS, type ChartSpec } from "../../../infra/cluster/charts.js";
import { runProgram, type RunOptions } from "../../unit/support/program.js";
import type { ChartKey, Values } from "./charts.js";

/** Fake secrets a prod stack needs (backups are on there). */
const SECRETS = { backupsCredentials: { accessKeyId: "AKIAFAKE", secretAccessKey: "fake-secret-key" } };

/** The stacks, plus variants that reach values the stack files leave off. */
export const VARIANTS: readonly { name: string; stack: string; options: RunOptions }[] = [
  { name: "dev", stack: "dev", options: {} },
  { name: "prod", stack: "prod", options: { secrets: SECRETS } },
  { name: "ci", stack: "ci", options: {} },
  {
    name: "prod + MIG, managed driver, control-plane monitors",
    stack: "prod",
    options: {
      secrets: SECRETS,
      overrides: {
        gpuOperator: {
          driver: { managed: true, version: "580.95.05" },
          sharing: { mode: "mig", migStrategy: "mixed", migConfig: "all-1g.10gb" },
        },
        monitoring: { controlPlaneMonitors: true },
      },
    },
  },
  {
    name: "dev + GPU operator (time-slicing)",
    stack: "dev",
    options: {
      overrides: { gpuOperator: { enabled: true, sharing: { mode: "time-slicing", replicas: 3 } } },
    },
  },
];

export interface ChartInstall {
  readonly variant: string;
  /** The Pulumi resource name. */
  readonly resource: string;
  readonly key: ChartKey;
  readonly spec: ChartSpec;
  readonly releaseName: string;
  readonly namespace: string;
  readonly values: Values;
}

export interface CustomObject {
  readonly variant: string;
  readonly resource: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly object: Values;
}

export interface VariantRun {
  readonly name: string;
  readonly installs: readonly ChartInstall[];
  readonly customObjects: readonly CustomObject[];
}

const CHART_TYPES = new Set(["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"]);
/** API groups Kubernetes serves itself (no CRD); any other group must have one. */
export const BUILT_IN_GROUPS = new Set([
  "core",
  "apps",
  "batch",
  "autoscaling",
  "policy",
  "networking.k8s.io",
  "rbac.authorization.k8s.io",
  "storage.k8s.io",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "apiregistration.k8s.io",
  "scheduling.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "node.k8s.io",
  "certificates.k8s.io",
]);

export async function runVariants(): Promise<VariantRun[]> {
  const runs: VariantRun[] = [];
  for (const variant of VARIANTS) {
    const run = await runProgram(variant.stack, variant.options);
    const installs: ChartInstall[] = [];
    const customObjects: CustomObject[] = [];
    for (const r of run.resources) {
      if (CHART_TYPES.has(r.type)) {
        const entry = Object.entries(CHARTS).find(
          // A chart from an OCI registry is named by its full reference (`oci://…/<chart>`).
          ([, s]) =>
            (s.chart === r.inputs.chart || `${s.repo}/${s.chart}` === r.inputs.chart) &&
            s.version === r.inputs.version,
        );
        if (!entry)
          throw new Error(
            `${variant.name}: ${r.name} installs ${String(r.inputs.chart)}, which is not pinned`,
          );
        installs.push({
          variant: variant.name,
          resource: r.name,
          key: entry[0] as ChartKey,
          spec: entry[1],
          releaseName: String(r.inputs.name),
          namespace: String(r.inputs.namespace),
          values: (r.inputs.values ?? {}) as Values,
        });
        continue;
      }
      const m = /^kubernetes:([^/]+)\/([^:]+):(.+)$/.exec(r.type);
      if (!m || !r.custom) continue;
      const [, group = "", version = "", kind = ""] = m;
      if (BUILT_IN_GROUPS.has(group) || group === "helm.sh") continue;
      customObjects.push({
        variant: variant.name,
        resource: r.name,
        apiVersion: `${group}/${version}`,
        kind,
        object: { apiVersion: `${group}/${version}`, kind, ...(r.inputs as Values) },
      });
    }
    runs.push({ name: variant.name, installs, customObjects });
  }
  return runs;
}
