// The values every stack passes to each pinned chart, checked against that chart (no Helm needed): every key is
// one the chart has, the coalesced values pass the chart's values.schema.json, and every custom resource the
// program creates passes its CRD's schema (from the charts' own CRDs) the way a strict apply would.
import { beforeAll, describe, expect, it } from "vitest";
import { CHARTS, type ChartSpec } from "../../infra/cluster/charts.js";
import {
  chartDir,
  chartsDir,
  coalesce,
  crdIndex,
  type CrdVersion,
  defaultValues,
  isObject,
  missingArchives,
  templatesRead,
  valueSchemas,
} from "./support/charts.js";
import { type ChartInstall, runVariants, type VariantRun } from "./support/stacks.js";
import {
  type AllowedPath,
  compileValuesSchema,
  crdFieldValidator,
  crdValidator,
  formatErrors,
  unknownKeys,
} from "./support/validate.js";

interface GpuValues {
  mig: { strategy: string };
  migManager: { config: Record<string, unknown> };
  devicePlugin: { config: Record<string, unknown> };
}

/** `keys` of `value` that are set and not empty strings (the template skips those). */
const pick = (value: Record<string, unknown>, ...keys: string[]) =>
  Object.fromEntries(keys.filter((k) => value[k] !== undefined && value[k] !== "").map((k) => [k, value[k]]));

/** Where a chart reads keys its values.yaml does not list (each checked in the chart's templates). */
const ALLOWED: Partial<Record<keyof typeof CHARTS, readonly AllowedPath[]>> = {
  kubePrometheusStack: [
    {
      path: "alertmanager.config",
      why: "Alertmanager's own configuration, passed through as alertmanager.yaml",
    },
  ],
  istiod: [{ path: "meshConfig", why: "Istio's MeshConfig, written through into the mesh ConfigMap" }],
};

let runs: VariantRun[];
let installs: ChartInstall[];

beforeAll(async () => {
  const missing = missingArchives(chartsDir());
  if (missing.length > 0) throw new Error(`chart archives missing for pinned charts: ${missing.join("; ")}`);
  runs = await runVariants();
  installs = runs.flatMap((r) => r.installs);
}, 300_000);

describe("every pin has its archive", () => {
  it.each(Object.entries(CHARTS))("%s", (_key, spec: ChartSpec) => {
    expect(missingArchives(chartsDir()).filter((m) => m.startsWith(`${spec.chart} `))).toEqual([]);
  });
});

describe("values: only keys the chart has", () => {
  it("each stack installs charts (the checks below see real values)", () => {
    const byVariant = Object.fromEntries(runs.map((r) => [r.name, r.installs.length]));
    expect(byVariant.prod).toBeGreaterThanOrEqual(8);
    expect(byVariant.dev).toBeGreaterThanOrEqual(5);
  });

  it.each(Object.keys(CHARTS))("%s", (key) => {
    const spec = CHARTS[key as keyof typeof CHARTS];
    const dir = chartDir(spec);
    const defaults = defaultValues(dir);
    const reads = templatesRead(dir);
    const problems = installs
      .filter((i) => i.key === key)
      .flatMap((i) =>
        unknownKeys(i.values, defaults, ALLOWED[i.key] ?? [], reads).map((p) => `${i.variant}: ${p}`),
      );
    expect(problems, `${spec.chart} ${spec.version}: keys its values.yaml does not have`).toEqual([]);
  });
});

describe("values: the chart's values.schema.json", () => {
  it.each(Object.keys(CHARTS))("%s", (key) => {
    const spec = CHARTS[key as keyof typeof CHARTS];
    const dir = chartDir(spec);
    const schemas = valueSchemas(dir).map((s) => ({ ...s, validate: compileValuesSchema(s.schema) }));
    const problems: string[] = [];
    for (const install of installs.filter((i) => i.key === key)) {
      // Helm validates the coalesced values: the chart's defaults with ours on top; each subchart its own part.
      const merged = coalesce(defaultValues(dir), install.values);
      for (const { at, validate } of schemas) {
        const part = at
          ? at.split(".").reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), merged)
          : merged;
        if (part === undefined) continue;
        if (!validate(part))
          problems.push(...formatErrors(validate.errors).map((e) => `${install.variant}: ${at}${e}`));
      }
    }
    expect(problems, `${spec.chart} ${spec.version}: values.schema.json`).toEqual([]);
  });
});

describe("custom resources the program creates pass their CRD's schema", () => {
  let crds: Map<string, CrdVersion>;
  beforeAll(() => {
    crds = crdIndex();
  });

  it("the charts carry the CRDs this check needs", () => {
    for (const key of [
      "monitoring.coreos.com/v1/ServiceMonitor",
      "elasticsearch.k8s.elastic.co/v1/Elasticsearch",
      "networking.istio.io/v1/VirtualService",
      "velero.io/v1/Schedule",
      "nfd.k8s-sigs.io/v1alpha1/NodeFeatureRule",
      "nvidia.com/v1/ClusterPolicy",
    ])
      expect(crds.has(key), key).toBe(true);
  });

  it("every custom resource of every stack", () => {
    const objects = runs.flatMap((r) => r.customObjects);
    expect(objects.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const o of objects) {
      const crd = crds.get(`${o.apiVersion}/${o.kind}`);
      if (!crd) {
        problems.push(`${o.variant}: ${o.resource}: no CRD for ${o.apiVersion} ${o.kind} in the charts`);
        continue;
      }
      const validate = crdValidator(crd);
      if (!validate(o.object))
        problems.push(
          ...formatErrors(validate.errors).map((e) => `${o.variant}: ${o.resource} (${o.kind}): ${e}`),
        );
    }
    expect(problems).toEqual([]);
  });

  it("gpu-operator: the values its ClusterPolicy template copies verbatim pass the ClusterPolicy CRD", () => {
    const crd = crds.get("nvidia.com/v1/ClusterPolicy") as CrdVersion;
    const dir = chartDir(CHARTS.gpuOperator);
    const gpu = installs.filter((i) => i.key === "gpuOperator");
    expect(gpu.map((i) => i.variant)).toContain("prod + MIG, managed driver, control-plane monitors");
    // templates/clusterpolicy.yaml writes these values into these ClusterPolicy fields as they are.
    const copied: { field: string[]; from: (v: GpuValues) => unknown }[] = [
      { field: ["spec", "mig", "strategy"], from: (v) => v.mig.strategy },
      { field: ["spec", "migManager", "config"], from: (v) => pick(v.migManager.config, "name", "default") },
      {
        field: ["spec", "devicePlugin", "config"],
        from: (v) => pick(v.devicePlugin.config, "name", "default"),
      },
    ];
    const problems: string[] = [];
    for (const install of gpu) {
      const values = coalesce(defaultValues(dir), install.values) as unknown as GpuValues;
      for (const { field, from } of copied) {
        const validate = crdFieldValidator(crd, field);
        if (!validate(from(values)))
          problems.push(
            ...formatErrors(validate.errors).map((e) => `${install.variant}: ${field.join(".")}${e}`),
          );
      }
    }
    expect(problems).toEqual([]);
  });

  it("the check refuses what the API server refuses (an unknown field, a value outside an enum)", () => {
    const crd = crds.get("nvidia.com/v1/ClusterPolicy");
    expect(crd).toBeDefined();
    const validate = crdValidator(crd as CrdVersion);
    const policy = (migDefault: string, extra: Record<string, unknown> = {}) => ({
      apiVersion: "nvidia.com/v1",
      kind: "ClusterPolicy",
      metadata: { name: "cluster-policy" },
      spec: {
        migManager: { enabled: true, config: { name: "default-mig-parted-config", default: migDefault } },
        ...extra,
      },
    });
    // The old values put the MIG profile here; the API server rejects it.
    expect(validate(policy("all-1g.10gb"))).toBe(false);
    expect(formatErrors(validate.errors).join("\n")).toContain("all-disabled");
    expect(validate(policy("all-disabled", { notAField: true }))).toBe(false);
  });
});
