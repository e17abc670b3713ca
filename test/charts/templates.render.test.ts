// Real Helm (scripts/tools/build.sh helm, on PATH through scripts/tools/env.sh) renders every pinned chart with
// each stack's values, for the Kubernetes version and API set render-only mode states (infra/cluster/charts.ts):
// Helm's own checks pass (values.schema.json, the templates' required/fail), every rendered custom resource passes
// its CRD, and the four defects these renders once showed stay fixed. `npm run test:charts-render`.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHARTS, RENDER_API_VERSIONS, RENDER_KUBE_VERSION } from "../../infra/cluster/charts.js";
import {
  archivePath,
  chartsDir,
  crdIndex,
  type CrdVersion,
  isObject,
  missingArchives,
  type Values,
} from "./support/charts.js";
import { BUILT_IN_GROUPS, type ChartInstall, runVariants, type VariantRun } from "./support/stacks.js";
import { crdValidator, formatErrors } from "./support/validate.js";

const exec = promisify(execFile);

interface Rendered {
  readonly install: ChartInstall;
  readonly objects: Values[];
}

let runs: VariantRun[];
let rendered: Rendered[];
let crds: Map<string, CrdVersion>;
const work = mkdtempSync(path.join(tmpdir(), "genai-helm-"));

async function helmTemplate(install: ChartInstall, n: number): Promise<Values[]> {
  const valuesFile = path.join(work, `values-${n}.json`);
  writeFileSync(valuesFile, JSON.stringify(install.values));
  const args = [
    "template",
    install.releaseName,
    archivePath(chartsDir(), install.spec),
    "--namespace",
    install.namespace,
    "--values",
    valuesFile,
    "--kube-version",
    RENDER_KUBE_VERSION,
    ...RENDER_API_VERSIONS.flatMap((v) => ["--api-versions", v]),
    "--include-crds",
  ];
  const { stdout } = await exec("helm", args, { maxBuffer: 256 * 1024 * 1024 }).catch(
    (e: { stderr?: string }) => {
      throw new Error(
        `helm template ${install.spec.chart} ${install.spec.version} (${install.variant}): ${e.stderr ?? e}`,
      );
    },
  );
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as unknown)
    .filter(isObject);
}

beforeAll(async () => {
  await exec("helm", ["version", "--short"]).catch(() => {
    throw new Error(
      'helm is not on PATH: scripts/tools/build.sh helm, then eval "$(scripts/tools/env.sh --export)"',
    );
  });
  const missing = missingArchives(chartsDir());
  if (missing.length > 0) throw new Error(`chart archives missing for pinned charts: ${missing.join("; ")}`);
  runs = await runVariants();
  crds = crdIndex();
  // One render per distinct (chart, release, values): the variants repeat most of them. The first variant that
  // installs it names it (dev, prod before the GPU variants), so `of(key, "prod")` finds prod's renders.
  const distinct = new Map<string, ChartInstall>();
  for (const i of runs.flatMap((r) => r.installs)) {
    const key = JSON.stringify([i.spec.chart, i.releaseName, i.namespace, i.values]);
    if (!distinct.has(key)) distinct.set(key, i);
  }
  const installs = [...distinct.values()];
  rendered = [];
  for (const [n, install] of installs.entries())
    rendered.push({ install, objects: await helmTemplate(install, n) });
}, 1_200_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const of = (key: keyof typeof CHARTS, variant?: string) =>
  rendered.filter((r) => r.install.key === key && (variant === undefined || r.install.variant === variant));
const objects = (r: Rendered[], kind: string) => r.flatMap((x) => x.objects.filter((o) => o.kind === kind));

describe("helm template of every pinned chart with every stack's values", () => {
  it("renders every pinned chart the stacks install", () => {
    const charts = new Set(rendered.map((r) => r.install.key));
    for (const key of Object.keys(CHARTS)) expect(charts.has(key as keyof typeof CHARTS), key).toBe(true);
  });

  it("every rendered custom resource passes its CRD (the charts' own or the shared ones)", () => {
    const problems: string[] = [];
    let checked = 0;
    for (const r of rendered)
      for (const o of r.objects) {
        const [group, version] = String(o.apiVersion).includes("/")
          ? String(o.apiVersion).split("/")
          : ["core", o.apiVersion];
        if (BUILT_IN_GROUPS.has(String(group)) || o.kind === "CustomResourceDefinition") continue;
        const crd = crds.get(`${group}/${version}/${String(o.kind)}`);
        const where = `${r.install.variant}: ${r.install.spec.chart} ${String(o.kind)} ${String((o.metadata as Values)?.name)}`;
        if (!crd) {
          problems.push(`${where}: no CRD for ${String(o.apiVersion)}`);
          continue;
        }
        checked++;
        const validate = crdValidator(crd);
        if (!validate(o)) problems.push(...formatErrors(validate.errors).map((e) => `${where}: ${e}`));
      }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });
});

describe("the defects these renders showed stay fixed", () => {
  it("MIG: the ClusterPolicy keeps migManager.config.default all-disabled (the profile is a node label)", () => {
    const policies = objects(
      of("gpuOperator", "prod + MIG, managed driver, control-plane monitors"),
      "ClusterPolicy",
    );
    expect(policies).toHaveLength(1);
    expect(
      (policies[0]?.spec as { migManager: { config: { default: string } } }).migManager.config.default,
    ).toBe("all-disabled");
  });

  it("for the stated Kubernetes version: prometheus-adapter's APIService is v1, Velero keeps its ServiceMonitor", () => {
    const apiServices = objects(of("prometheusAdapter"), "APIService");
    expect(apiServices.length).toBeGreaterThan(0);
    for (const a of apiServices) expect(a.apiVersion).toBe("apiregistration.k8s.io/v1");
    expect(objects(of("velero", "prod"), "ServiceMonitor").length).toBeGreaterThan(0);
  });

  it("control-plane ServiceMonitors and their ...Down rules only with genai:monitoring.controlPlaneMonitors", () => {
    const names = (variant: string) =>
      objects(of("kubePrometheusStack", variant), "ServiceMonitor").map((o) =>
        String((o.metadata as Values).name),
      );
    const rules = (variant: string) =>
      JSON.stringify(objects(of("kubePrometheusStack", variant), "PrometheusRule"));
    for (const variant of ["dev", "prod"]) {
      expect(
        names(variant).filter((n) => /controller-manager|scheduler|proxy|etcd/.test(n)),
        variant,
      ).toEqual([]);
      expect(rules(variant)).not.toMatch(/KubeControllerManagerDown|KubeSchedulerDown|KubeProxyDown/);
    }
    const on = "prod + MIG, managed driver, control-plane monitors";
    expect(names(on).some((n) => n.includes("kube-controller-manager"))).toBe(true);
    expect(rules(on)).toMatch(/KubeSchedulerDown/);
  });

  it("Grafana with its ReadWriteOnce volume (prod) is a Recreate Deployment", () => {
    const grafana = objects(of("kubePrometheusStack", "prod"), "Deployment").find(
      (d) => (d.metadata as Values).name === "grafana",
    );
    expect((grafana?.spec as { strategy?: unknown }).strategy).toEqual({ type: "Recreate" });
  });
});
