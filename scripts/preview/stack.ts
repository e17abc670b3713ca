// One stack through the real Pulumi engine, with no cluster: `pulumi preview` with the policy pack, then
// `pulumi up` with the Kubernetes provider in render mode, which writes every object as YAML instead of
// applying it. State lives in a throw-away file:// backend under <workDir>. Prints a StackReport as JSON on
// the last stdout line (progress goes to stderr).
//
// Usage: node --import tsx scripts/preview/stack.ts <stack> <workDir>
//
// The commands are the ones a user types in the project directory, run by the CLI in a scratch copy of it
// (scripts/preview/workspace.ts): the CLI starts the Node.js language host (scripts/tools), which runs Pulumi.yaml's
// `main` with its `nodeargs` and the policy-pack directory infra/policy; the engine, the Kubernetes provider and the
// policy pack are the real ones, random and tls are stand-ins (docs/engine.md).
import { existsSync, mkdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import {
  changeSummary,
  policyPacksRun,
  pulumi,
  selectStack,
  setConfig,
  stackOutputs,
  summaryResult,
} from "./cli.js";
import { checkKubernetesProvider, checkLanguageHost } from "./versions.js";
import { collectEvents, type StackReport } from "./report.js";
import { STAND_IN_PROVIDERS, throwawayProject } from "./workspace.js";

/** Passphrase of the throw-away backend only: nothing it encrypts outlives the run. */
const PASSPHRASE = "genai-preview-throwaway";
/** The policy pack, as a directory of the project copy (what `--policy-pack infra/policy` names in a checkout). */
const POLICY_PACK = "infra/policy";

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
  const languageHost = checkLanguageHost();

  rmSync(workDir, { recursive: true, force: true });
  const manifestsDir = path.join(workDir, "manifests");
  mkdirSync(manifestsDir, { recursive: true });
  const project = throwawayProject({ stackName, workDir, passphrase: PASSPHRASE });
  const policyPack = path.join(project.projectDir, POLICY_PACK);
  if (!existsSync(path.join(policyPack, "PulumiPolicy.yaml"))) {
    throw new Error(`no policy pack at ${POLICY_PACK} (PulumiPolicy.yaml missing)`);
  }
  console.error(`STAND-IN providers for ${STAND_IN_PROVIDERS.join(", ")} (preview only; see docs/engine.md)`);

  await selectStack(project, stackName);
  await setConfig(project, "genai:kubernetes.renderYamlToDirectory", manifestsDir, { path: true });
  const substituted: string[] = [];
  for (const { key, value, secret, why } of PREVIEW_SUBSTITUTES) {
    if (stackFileSets(project.stackFile, key)) continue;
    await setConfig(project, key, value, { secret, path: key.includes(".") });
    substituted.push(key);
    console.error(`PREVIEW-ONLY config ${key} for ${stackName}: ${why}`);
  }

  const withPack = ["--policy-pack", POLICY_PACK];
  const preview = await pulumi(project, ["preview", "--diff", ...withPack], { events: true });
  const up = await pulumi(project, ["up", "--yes", "--skip-preview", ...withPack], { events: true });
  const outputs = await stackOutputs(project);
  const seen = collectEvents(preview.events);

  return {
    stack: stackName,
    provider,
    languageHost,
    commands: project.commands,
    previewOps: changeSummary(preview),
    previewText: preview.stdout,
    resources: seen.resources,
    warnings: seen.warnings,
    policyViolations: seen.policyViolations,
    policyPacks: policyPacksRun(preview),
    upResult: summaryResult(up),
    upOps: changeSummary(up),
    outputs,
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
