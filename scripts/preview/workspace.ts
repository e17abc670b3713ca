// What the preview (scripts/preview/stack.ts) and the e2e stack operations (test/e2e/support/stackOp.ts) share:
// a copy of the project and one stack file in a scratch directory, and an Automation API workspace over it with
// a throw-away file:// backend, the built tools' engine settings and the random/tls stand-ins on PATH.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { automation } from "@pulumi/pulumi";
import { parse, stringify } from "yaml";
import { repoRoot } from "./versions.js";

/**
 * Stand-ins for the Terraform-bridged random and tls providers, which cannot be built here (docs/engine.md).
 * They go on the CLI's PATH for these runs only, never through scripts/tools/env.sh.
 */
export const STAND_INS = path.join(repoRoot, "scripts/preview/standins");
export const STAND_IN_PROVIDERS = ["random", "tls"];

/**
 * Copies Pulumi.yaml and Pulumi.<stack>.yaml into `projectDir`, made portable for a throw-away backend, and returns
 * the stack file's text. Refuses stack files holding encrypted values (their passphrase is not ours).
 */
export function copyProjectFiles(stackName: string, projectDir: string): string {
  const projectFile = path.join(repoRoot, "Pulumi.yaml");
  const stackPath = path.join(repoRoot, `Pulumi.${stackName}.yaml`);
  for (const file of [projectFile, stackPath]) {
    if (!existsSync(file)) throw new Error(`${path.relative(repoRoot, file)} does not exist`);
  }
  // `main` names the program file for the language host; the program here is inline, and a `main` that
  // does not exist beside the copy would be rejected.
  const project = parse(readFileSync(projectFile, "utf8")) as Record<string, unknown>;
  delete project["main"];
  writeFileSync(path.join(projectDir, "Pulumi.yaml"), stringify(project));
  const text = readFileSync(stackPath, "utf8");
  if (/^\s+[^\s:]+:\s*\n\s+secure:/m.test(text) || /secure:\s*v1:/.test(text)) {
    throw new Error(
      `Pulumi.${stackName}.yaml holds encrypted values; a throw-away backend cannot decrypt them without their passphrase`,
    );
  }
  // Salt or secrets provider of someone's own backend would not match the throw-away passphrase.
  const portable = text.replace(/^(encryptionsalt|secretsprovider|encryptedkey):.*\n/gm, "");
  writeFileSync(path.join(projectDir, `Pulumi.${stackName}.yaml`), portable);
  return portable;
}

export interface ThrowawayWorkspace {
  readonly workspace: automation.LocalWorkspace;
  /** Where the project copy lives (`<workDir>/project`). */
  readonly projectDir: string;
  /** The stack file's text as copied (see copyProjectFiles). */
  readonly stackFile: string;
}

/**
 * A workspace under `workDir` (project/, backend/, home/) for `stackName` running `program` inline. The project files
 * are copied unless a copy is there already (a later operation on the same stack keeps its config).
 */
export async function throwawayWorkspace(opts: {
  stackName: string;
  workDir: string;
  passphrase: string;
  program: automation.PulumiFn;
}): Promise<ThrowawayWorkspace> {
  const projectDir = path.join(opts.workDir, "project");
  for (const dir of [projectDir, path.join(opts.workDir, "backend"), path.join(opts.workDir, "home")]) {
    mkdirSync(dir, { recursive: true });
  }
  const copied = path.join(projectDir, `Pulumi.${opts.stackName}.yaml`);
  const stackFile = existsSync(copied)
    ? readFileSync(copied, "utf8")
    : copyProjectFiles(opts.stackName, projectDir);
  const workspace = await automation.LocalWorkspace.create({
    workDir: projectDir,
    program: opts.program,
    pulumiHome: path.join(opts.workDir, "home"),
    secretsProvider: "passphrase",
    envVars: {
      PULUMI_BACKEND_URL: pathToFileURL(path.join(opts.workDir, "backend")).href,
      PULUMI_CONFIG_PASSPHRASE: opts.passphrase,
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PATH: `${STAND_INS}${path.delimiter}${process.env.PATH ?? ""}`,
    },
  });
  return { workspace, projectDir, stackFile };
}
