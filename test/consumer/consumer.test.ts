// The package as another Pulumi project gets it: built and packed (`npm run build`, `npm pack`), installed into a
// project made from the standard CommonJS template and into an ESM one, type-checked there with tsc, and run with
// plain `node` (no tsx) under Pulumi mocks. The CommonJS project also runs the way Pulumi's Node.js language host
// runs a TypeScript program: its vendored ts-node compiles index.ts to CommonJS and `require()`s it, so the
// package (ESM) is loaded through Node's require(esm).
import { rmSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildAndPack,
  command,
  type ConsumerProject,
  consumerResult,
  createConsumer,
  ESM_TSCONFIG,
  type PackedPackage,
  PULUMI_TEMPLATE_TSCONFIG,
  ROOT,
  typecheck,
  undeclaredImports,
  type CommandResult,
} from "./support/consumerProject.js";

const IMAGE = `harbor.corp.example/genai/inference:0.1.0@sha256:${"a".repeat(64)}`;
/** Pulumi's Node.js language host falls back to this ts-node when the project has none (cmd/run, tsutils.js). */
const PULUMI_TS_NODE = path.join(ROOT, "node_modules/@pulumi/pulumi/vendor/ts-node@7.0.1");

let pkg: PackedPackage;
let cjs: ConsumerProject;
let esm: ConsumerProject;
let checks: { cjs: CommandResult; esm: CommandResult };

beforeAll(async () => {
  pkg = await buildAndPack();
  cjs = createConsumer(pkg, "cjs", PULUMI_TEMPLATE_TSCONFIG, "commonjs");
  esm = createConsumer(pkg, "esm", ESM_TSCONFIG, "module");
  const [c, e] = await Promise.all([typecheck(cjs), typecheck(esm)]);
  checks = { cjs: c, esm: e };
}, 300_000);

afterAll(() => {
  for (const dir of [pkg?.dir && path.dirname(pkg.dir), cjs?.dir, esm?.dir])
    if (dir) rmSync(dir, { recursive: true, force: true });
});

function expectDeployed(output: string): void {
  const result = consumerResult(output);
  const types = new Set(result.registered.map((r) => r.type));
  for (const type of [
    "kubernetes:core/v1:Namespace",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:core/v1:Service",
    "kubernetes:networking.istio.io/v1:VirtualService",
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
  ]) {
    expect(types, `registered ${type}`).toContain(type);
  }
  // The prod preset: a canary track on the stable image, behind the service's own Gateway.
  expect(result.images).toEqual({ stable: IMAGE, canary: IMAGE });
  expect(result.endpoint).toBe("http://genai.example.internal");
  expect(result.serviceName).toBe("chat");
  expect(result.alerts).toBeGreaterThan(0);
  // No hidden repository defaults: without image.ref or a named build context the service refuses to build.
  expect(result.refused).toMatch(/^config\.image\.build\.context: required to build the server image/);
}

describe("the packed package", () => {
  it("ships compiled JavaScript, declarations and the dashboard and rule files, and no TypeScript source", () => {
    expect(pkg.files).toContain("dist/index.js");
    expect(pkg.files).toContain("dist/index.d.ts");
    expect(pkg.files).toContain("dashboards/inference-overview.json");
    expect(pkg.files).toContain("dashboards/rules/genai-slo.yaml");
    expect(pkg.files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    expect(pkg.files.filter((f) => f.startsWith("dashboards/rules/tests/"))).toEqual([]);
  });

  it("declares every package its JavaScript imports", () => {
    expect(undeclaredImports(pkg)).toEqual([]);
  });
});

describe("a CommonJS consumer (pulumi new kubernetes-typescript)", () => {
  it("type-checks with the template's tsconfig: no esModuleInterop, no skipLibCheck", () => {
    expect(checks.cjs.output).toBe("");
    expect(checks.cjs.code).toBe(0);
  });

  it("runs with plain node: the compiled program require()s the package", async () => {
    const run = await command(process.execPath, ["bin/index.js"], cjs.dir);
    expect(run.code, run.output).toBe(0);
    expectDeployed(run.output);
  });

  it("runs as Pulumi's language host runs it: ts-node compiles index.ts and require()s it", async () => {
    const host = `require(${JSON.stringify(PULUMI_TS_NODE)}).register({ transpileOnly: true, project: "tsconfig.json" }); require("./index.ts");`;
    const run = await command(process.execPath, ["-e", host], cjs.dir);
    expect(run.code, run.output).toBe(0);
    expectDeployed(run.output);
  });
});

describe("an ESM consumer (type: module, NodeNext)", () => {
  it("type-checks", () => {
    expect(checks.esm.output).toBe("");
    expect(checks.esm.code).toBe(0);
  });

  it("runs with plain node", async () => {
    const run = await command(process.execPath, ["bin/index.js"], esm.dir);
    expect(run.code, run.output).toBe(0);
    expectDeployed(run.output);
  });
});
