// The real engine previews each stack with the policy pack, then renders it; these checks read the result.
import { beforeAll, describe, expect, it } from "vitest";
import {
  badName,
  CLUSTER_KINDS,
  idOf,
  type Manifest,
  NAMESPACED_KINDS,
  plaintextSecrets,
  readManifests,
} from "../../scripts/preview/manifests.js";
import type { PreviewedResource, StackReport } from "../../scripts/preview/report.js";
import { toolPins } from "../../scripts/preview/versions.js";
import { CHARTS } from "../../infra/cluster/charts.js";
import { previewStacks, runStack } from "./support/runStack.js";

/** Kubernetes types that are components (their children are the objects) or that render mode cannot write. */
const NOT_RENDERED =
  /^kubernetes:(helm\.sh\/v[34]:(Chart|Release)|yaml\/v2:Config(File|Group)|kustomize\/v2:Directory)$/;

/** Custom Kubernetes resources, i.e. the objects the provider writes as YAML. */
/** Charts the program skipped because render mode has no chart archive (infra/cluster/charts.ts warns per chart). */
const skippedCharts = (warnings: readonly string[]) =>
  warnings.flatMap((w) => {
    const m = /(\S+) (\S+) is not installed: rendering YAML needs the chart archive/.exec(w);
    return m ? [`${m[1]} ${m[2]}`] : [];
  });

const kubernetesObjects = (resources: readonly PreviewedResource[]) =>
  resources.filter((r) => r.type.startsWith("kubernetes:") && !NOT_RENDERED.test(r.type));

describe.each(previewStacks)("pulumi preview of %s (real CLI and language host, render mode)", (stack) => {
  let report: StackReport;
  let manifests: Manifest[];

  beforeAll(() => {
    report = runStack(stack);
    manifests = readManifests(report.manifestsDir);
    const ops = Object.entries(report.previewOps)
      .map(([op, n]) => `${n} ${op}`)
      .join(", ");
    console.log(
      `[preview] ${stack}: ${report.resources.length} resources previewed (${ops}); ` +
        `${manifests.length} manifests rendered; ${report.policyViolations.length} policy findings; ` +
        `${report.warnings.length} warnings`,
    );
    console.log(
      `[preview] ${stack}: pulumi-language-nodejs ${report.languageHost} ran ${report.commands.join("; ")}`,
    );
    for (const w of report.warnings) console.log(`[preview] ${stack} warning: ${w}`);
    const skipped = skippedCharts(report.warnings);
    console.log(
      `[preview] ${stack}: charts skipped in render mode (no genai:charts.localDir): ${skipped.join(", ") || "none"}`,
    );
    console.log(report.previewText);
  });

  it("previews every resource as a create and renders with `up`", () => {
    expect(report.resources.length).toBeGreaterThan(1);
    expect(Object.keys(report.previewOps).filter((op) => op !== "create" && op !== "same")).toEqual([]);
    expect(report.upResult).toBe("succeeded");
  });

  it("runs Pulumi.yaml's program and the policy-pack directory through the pinned language host", () => {
    expect(report.languageHost).toBe(toolPins().LANGUAGE_NODEJS_VERSION);
    expect(report.commands).toContain("pulumi preview --diff --policy-pack infra/policy");
    // The engine lists a pack only once it started (a pack that fails to load fails the preview).
    expect(Object.keys(report.policyPacks)).toEqual(["genai-platform|local|infra/policy"]);
  });

  it("passes the policy pack with no mandatory violation", () => {
    expect(report.policyViolations.filter((v) => v.level === "mandatory")).toEqual([]);
  });

  it("renders one manifest per Kubernetes object in the preview", () => {
    const objects = kubernetesObjects(report.resources);
    expect(objects.length).toBeGreaterThan(0);
    expect(manifests.length).toBe(objects.length);
    const renderedKinds = new Set(manifests.map((m) => m.kind));
    for (const o of objects) expect(renderedKinds).toContain(o.type.split(":").pop());
  });

  it("gives every object a valid name, once per kind and namespace", () => {
    expect(manifests.filter(badName).map(idOf)).toEqual([]);
    const ids = manifests.map(idOf);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("places namespaced objects in a namespace the stack creates, and cluster objects in none", () => {
    const created = new Set(manifests.filter((m) => m.kind === "Namespace").map((m) => m.name));
    const misplaced = manifests.filter(
      (m) =>
        (NAMESPACED_KINDS.has(m.kind) && (m.namespace === undefined || !created.has(m.namespace))) ||
        (CLUSTER_KINDS.has(m.kind) && m.namespace !== undefined),
    );
    expect(misplaced.map(idOf)).toEqual([]);
  });

  it("names each chart it skips in render mode with its pinned version", () => {
    const skipped = skippedCharts(report.warnings);
    const pinned = new Set(Object.values(CHARTS).map((c) => `${c.chart} ${c.version}`));
    for (const chart of skipped) expect(pinned).toContain(chart);
    // Nothing is installed from a chart when the archives are missing: no Helm resource slipped through.
    if (skipped.length > 0)
      expect(report.resources.filter((r) => r.type.startsWith("kubernetes:helm.sh"))).toEqual([]);
  });

  it("keeps secret material out of every object but Secrets", () => {
    expect(plaintextSecrets(manifests, ["preview-only"])).toEqual([]);
  });
});
