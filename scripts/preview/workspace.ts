// What the preview (scripts/preview/stack.ts) and the e2e stack operations (test/e2e/support/stackOp.ts) share: a
// scratch copy of the project directory with the real Pulumi.yaml and one stack file, where the Pulumi CLI runs the
// program as users run it (`pulumi preview` starts the Node.js language host, which runs Pulumi.yaml's `main`), and
// the environment of a throw-away file:// backend with the built tools and the random/tls stand-ins on PATH.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./versions.js";

/**
 * Stand-ins for the Terraform-bridged random and tls providers, which cannot be built here (docs/engine.md).
 * They go on the CLI's PATH for these runs only, never through scripts/tools/env.sh.
 */
export const STAND_INS = path.join(repoRoot, "scripts/preview/standins");
export const STAND_IN_PROVIDERS = ["random", "tls"];

/** Stack files (`Pulumi.<stack>.yaml`): only the one of the run is copied, made portable (copyStackFile). */
const STACK_FILE = /^Pulumi\.[^/]+\.ya?ml$/;

/**
 * The project's files as git lists them (tracked, and untracked ones not ignored, so work in progress previews too),
 * the stack files aside. Build outputs and node_modules are ignored, hence not copied.
 */
export function projectFiles(root = repoRoot): string[] {
  let out: string;
  try {
    out = execFileSync("git", ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    throw new Error(
      `listing the project's files with git in ${root} failed (the scratch copy takes what git lists)`,
      { cause: err },
    );
  }
  // A tracked file deleted in the working tree is still listed; it is not part of the program any more.
  return out.split("\0").filter((f) => f !== "" && !STACK_FILE.test(f) && existsSync(path.join(root, f)));
}

/**
 * Copies the project into `projectDir`: its files (projectFiles), links to the installed node_modules of the root and
 * of each npm workspace (the program and the policy pack resolve their packages from there), and the stack file.
 */
export function copyProject(stackName: string, projectDir: string, root = repoRoot): string {
  if (!existsSync(path.join(root, "Pulumi.yaml"))) throw new Error(`${root} has no Pulumi.yaml`);
  for (const file of projectFiles(root)) cpSync(path.join(root, file), path.join(projectDir, file));
  const { workspaces = [] } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
    workspaces?: string[];
  };
  for (const dir of [".", ...workspaces]) {
    const modules = path.join(root, dir, "node_modules");
    if (!existsSync(modules)) continue;
    mkdirSync(path.join(projectDir, dir), { recursive: true });
    symlinkSync(modules, path.join(projectDir, dir, "node_modules"), "dir");
  }
  return copyStackFile(stackName, projectDir, root);
}

/**
 * Writes Pulumi.<stack>.yaml into `projectDir`, made portable for a throw-away backend, and returns its text.
 * Refuses stack files holding encrypted values (their passphrase is not ours).
 */
export function copyStackFile(stackName: string, projectDir: string, root = repoRoot): string {
  const stackPath = path.join(root, `Pulumi.${stackName}.yaml`);
  if (!existsSync(stackPath)) throw new Error(`Pulumi.${stackName}.yaml does not exist in ${root}`);
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

export interface ThrowawayProject {
  /** Where the project copy lives (`<workDir>/project`): the CLI's working directory. */
  readonly projectDir: string;
  /** The stack file's text as copied (see copyStackFile). */
  readonly stackFile: string;
  /** Scratch files of the run (event logs): `<workDir>`. */
  readonly workDir: string;
  /** Environment for the CLI on top of this process' own. */
  readonly env: Readonly<Record<string, string>>;
  /** Every CLI command run in the copy so far, as typed (scripts/preview/cli.ts appends; no secret is in one). */
  readonly commands: string[];
}

/**
 * A project copy under `workDir` (project/, backend/, home/) for `stackName`. The project is copied unless a copy is
 * there already (a later operation on the same stack keeps its code and its config).
 */
export function throwawayProject(opts: {
  stackName: string;
  workDir: string;
  passphrase: string;
}): ThrowawayProject {
  const projectDir = path.join(opts.workDir, "project");
  const backend = path.join(opts.workDir, "backend");
  const home = path.join(opts.workDir, "home");
  for (const dir of [projectDir, backend, home]) mkdirSync(dir, { recursive: true });
  const copied = path.join(projectDir, `Pulumi.${opts.stackName}.yaml`);
  const stackFile = existsSync(copied)
    ? readFileSync(copied, "utf8")
    : copyProject(opts.stackName, projectDir);
  const env = {
    PULUMI_BACKEND_URL: pathToFileURL(backend).href,
    PULUMI_CONFIG_PASSPHRASE: opts.passphrase,
    PULUMI_HOME: home,
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // `--event-log` (the engine events the checks read) is registered only with the debug commands enabled.
    PULUMI_DEBUG_COMMANDS: "true",
    PATH: `${STAND_INS}${path.delimiter}${process.env.PATH ?? ""}`,
  };
  return { projectDir, stackFile, workDir: opts.workDir, env, commands: [] };
}
