// Which engine pieces the preview runs, and whether they match the npm SDKs the program was written against.
import { createHash } from "node:crypto";
import { accessSync, constants, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** KEY=value pairs of scripts/tools/versions.env (the pins scripts/tools/build.sh builds). */
export function toolPins(file = path.join(repoRoot, "scripts/tools/versions.env")): Record<string, string> {
  const pins: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(\S+)$/.exec(line.trim());
    if (m?.[1] && m[2]) pins[m[1]] = m[2];
  }
  return pins;
}

function pin(pins: Record<string, string>, key: string): string {
  const value = pins[key];
  if (!value) throw new Error(`scripts/tools/versions.env has no ${key}=`);
  return value;
}

/** The version of an installed npm package, from node_modules/<name>/package.json. */
export function npmVersion(name: string, root = repoRoot): string {
  const file = path.join(root, "node_modules", name, "package.json");
  const { version } = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
  if (typeof version !== "string") throw new Error(`${file} has no version`);
  return version;
}

/**
 * The version scripts/tools/build.sh stamped beside a binary (`<tool dir>/VERSION`), after checking that the stamp
 * records this very binary's sha256 (the builds use -trimpath, which keeps -ldflags out of Go's build info).
 */
export function stampedVersion(binary: string): string {
  const stampFile = path.join(path.dirname(binary), "..", "VERSION");
  const fail = (why: string) => new Error(`${binary}: ${why}; rebuild it with scripts/tools/build.sh`);
  let stamp: string;
  try {
    stamp = readFileSync(stampFile, "utf8");
  } catch {
    throw fail(`no build stamp at ${stampFile}`);
  }
  const fields = new Map(
    stamp.split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  const version = fields.get("version");
  const sha = fields.get(`sha256:${path.basename(binary)}`);
  if (!version || !sha) throw fail(`the stamp ${stampFile} does not record it`);
  if (createHash("sha256").update(readFileSync(binary)).digest("hex") !== sha) {
    throw fail(`the binary differs from the one stamped in ${stampFile}`);
  }
  return version;
}

/** Absolute path of an executable on PATH. */
export function onPath(name: string): string {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(
    `${name} is not on PATH: run scripts/tools/build.sh, then eval "$(scripts/tools/env.sh --export)"`,
  );
}

export interface ProviderCheck {
  readonly npm: string;
  readonly plugin: string;
  /** Set when the versions differ but the pair is the one reviewed in versions.env. */
  readonly warning?: string;
}

/**
 * The Kubernetes provider on PATH must be the pinned build, and that build must match the npm SDK. The one
 * tolerated mismatch is the pair named in versions.env (K8S_NPM_ACCEPTED_MISMATCH), reported as a warning;
 * any other pair (an npm bump, a stale cache) throws.
 */
export function checkKubernetesProvider(
  pins = toolPins(),
  npm = npmVersion("@pulumi/kubernetes"),
  plugin = stampedVersion(onPath("pulumi-resource-kubernetes")),
): ProviderCheck {
  const pinned = pin(pins, "K8S_PROVIDER_VERSION");
  if (plugin !== pinned) {
    throw new Error(
      `pulumi-resource-kubernetes on PATH is ${plugin}, versions.env pins ${pinned}: run scripts/tools/build.sh kubernetes`,
    );
  }
  if (npm === plugin) return { npm, plugin };
  if (npm === pins.K8S_NPM_ACCEPTED_MISMATCH) {
    return {
      npm,
      plugin,
      warning:
        `VERSION MISMATCH (reviewed): @pulumi/kubernetes ${npm} (npm) runs against pulumi-resource-kubernetes ${plugin}, ` +
        "the only provider commit the Go module proxy serves here; see scripts/tools/versions.env",
    };
  }
  throw new Error(
    `VERSION MISMATCH: @pulumi/kubernetes is ${npm} in node_modules but the provider plugin is ${plugin}. ` +
      "Build the provider at the npm version's commit (scripts/tools/versions.env) or pin npm to the plugin's version.",
  );
}

/**
 * The Node.js language host on PATH, which the CLI starts to run the program and the policy pack, must be the build
 * versions.env pins (LANGUAGE_NODEJS_VERSION); returns its version. Throws, naming the build command, otherwise.
 */
export function checkLanguageHost(pins = toolPins(), binary?: string): string {
  const pinned = pin(pins, "LANGUAGE_NODEJS_VERSION");
  const build = 'run scripts/tools/build.sh language-nodejs, then eval "$(scripts/tools/env.sh --export)"';
  let host: string;
  try {
    host = binary ?? onPath("pulumi-language-nodejs");
  } catch {
    throw new Error(`pulumi-language-nodejs is not on PATH: ${build} (docs/engine.md)`);
  }
  const version = stampedVersion(host);
  if (version !== pinned) {
    throw new Error(`pulumi-language-nodejs on PATH is ${version}, versions.env pins ${pinned}: ${build}`);
  }
  return version;
}
