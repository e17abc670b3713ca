// One stack through the real Pulumi engine, with no cluster: `pulumi preview` with the policy pack, then
// `pulumi up` with the Kubernetes provider in render mode, which writes every object as YAML instead of
// applying it. State lives in a throw-away file:// backend under <workDir>. Prints a StackReport as JSON on
// the last stdout line (progress goes to stderr).
//
// Usage: node --import tsx scripts/preview/stack.ts <stack> <workDir>
//
// The program runs in this process through the Automation API (an inline program), because the Node.js
// language host cannot be built here (scripts/tools/build.sh says why); the CLI, the engine, the
// Kubernetes provider and the policy pack are the real ones. One process per stack: Node caches index.ts.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { automation } from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { checkKubernetesProvider, repoRoot } from "./versions.js";
import { collectEvents, type StackReport } from "./report.js";
import { STAND_IN_PROVIDERS, throwawayWorkspace } from "./workspace.js";

/** Passphrase of the throw-away backend only: nothing it encrypts outlives the run. */
const PASSPHRASE = "genai-preview-throwaway";
const policyPackDir = path.join(repoRoot, "infra/policy");
/** The pack as an executable analyzer plugin (see the comment in that file for why not the directory). */
const policyPack = path.join(repoRoot, "scripts/preview/policy-pack");

/**
 * Config that a stack needs but this run cannot have, given a preview-only value only when the stack file lacks the
 * key (a nested one such as `genai:inference.image.ref` by its path), and listed in the report (and on stderr) so the substitution is visible.
 */
const PREVIEW_SUBSTITUTES: readonly { key: string; value: string; secret: boolean; why: string }[] = [
  {
    key: "genai:backupsCredentials",
    value: JSON.stringify({ accessKeyId: "preview-only", secretAccessKey: "preview-only" }),
    secret: true,
    why: "CI holds no backup-store credentials",
  },
  {
    // A digest-pinned reference, as prod requires; `.invalid` cannot resolve (RFC 2606), so nothing can pull it.
    key: "genai:inference.image.ref",
    value: `preview.invalid/genai/inference@sha256:${"0".repeat(64)}`,
    secret: false,
    why: "building the image needs a Docker daemon and the docker-build plugin, neither available here",
  },
];

/** Whether the stack file's `config:` sets `key`, a `genai:x.y.z` path (a stack may set `genai:x` without `y`). */
function stackFileSets(stackFile: string, key: string): boolean {
  const [top = key, ...steps] = key.split(".");
  const config = (parseYaml(stackFile) as { config?: Record<string, unknown> } | null)?.config ?? {};
  let value: unknown = config[top];
  for (const step of steps) {
    if (typeof value !== "object" || value === null) return false;
    value = (value as Record<string, unknown>)[step];
  }
  return value !== undefined;
}

async function main(stackName: string, workDir: string): Promise<StackReport> {
  const provider = checkKubernetesProvider();
  if (provider.warning) console.error(provider.warning);
  if (!existsSync(path.join(policyPackDir, "PulumiPolicy.yaml"))) {
    throw new Error(`no policy pack at ${policyPackDir} (PulumiPolicy.yaml missing)`);
  }

  rmSync(workDir, { recursive: true, force: true });
  const manifestsDir = path.join(workDir, "manifests");
  mkdirSync(manifestsDir, { recursive: true });

  let runs = 0;
  const program = async () => {
    // Imported inside the program so that the engine's settings (stack, config, monitor) are in place first. A new
    // query per operation makes Node evaluate index.ts again (modules are cached by URL), so that `up` registers
    // the resources again after `preview` did.
    const url = `${pathToFileURL(path.join(repoRoot, "index.ts")).href}?operation=${++runs}`;
    const outputs: Record<string, unknown> = { ...(await import(url)) };
    return outputs;
  };
  const { workspace, stackFile } = await throwawayWorkspace({
    stackName,
    workDir,
    passphrase: PASSPHRASE,
    program,
  });
  console.error(`STAND-IN providers for ${STAND_IN_PROVIDERS.join(", ")} (preview only; see docs/engine.md)`);
  const stack = await automation.Stack.createOrSelect(stackName, workspace);
  await stack.setConfig("genai:kubernetes.renderYamlToDirectory", { value: manifestsDir }, true);
  const substituted: string[] = [];
  for (const { key, value, secret, why } of PREVIEW_SUBSTITUTES) {
    const topKey = key.split(".")[0] ?? key;
    if (stackFileSets(stackFile, key)) continue;
    await stack.setConfig(key, { value, secret }, key !== topKey);
    substituted.push(key);
    console.error(`PREVIEW-ONLY config ${key} for ${stackName}: ${why}`);
  }

  const progress = (out: string) => process.stderr.write(out);
  const previewEvents = collectEvents();
  const preview = await stack.preview({
    policyPacks: [policyPack],
    diff: true,
    color: "never",
    onOutput: progress,
    onEvent: previewEvents.onEvent,
  });
  const upEvents = collectEvents();
  const up = await stack.up({
    policyPacks: [policyPack],
    color: "never",
    onOutput: progress,
    onEvent: upEvents.onEvent,
  });

  return {
    stack: stackName,
    provider,
    previewOps: preview.changeSummary,
    previewText: preview.stdout,
    resources: previewEvents.resources(),
    warnings: previewEvents.warnings(),
    policyViolations: previewEvents.policyViolations(),
    upResult: up.summary.result,
    upOps: up.summary.resourceChanges ?? {},
    outputs: Object.fromEntries(
      Object.entries(up.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]),
    ),
    manifestsDir,
    substitutedConfig: substituted,
    standInProviders: STAND_IN_PROVIDERS,
  };
}

const [stackName, workDir] = process.argv.slice(2);
if (!stackName || !workDir) {
  console.error("usage: node --import tsx scripts/preview/stack.ts <stack> <workDir>");
  process.exit(2);
}
main(stackName, path.resolve(workDir)).then(
  (report) => console.log(JSON.stringify(report)),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
