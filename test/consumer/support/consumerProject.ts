/**
 * Builds and packs this package as a consumer gets it, then lays out consumer projects that depend on it.
 *
 * The packed tarball is unpacked into the consumer's own node_modules (a real directory, as `npm install` of a
 * tarball leaves it); every other dependency is a symlink into this repository's node_modules, so nothing is
 * downloaded or copied and the consumer and the package share one @pulumi/pulumi (the mocks are set on it). What
 * that sharing could hide, a dependency the package uses but does not declare, `undeclaredImports` checks.
 */
import { execFile } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const PACKAGE_NAME = "@genai-platform/infra";
const run = promisify(execFile);

/** The tsconfig.json of `pulumi new kubernetes-typescript` (pulumi/templates), unchanged: CommonJS, no esModuleInterop, no skipLibCheck. */
export const PULUMI_TEMPLATE_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/** An ESM project: `"type": "module"`, NodeNext, and `tsc --init`'s skipLibCheck (the CommonJS check covers libraries). */
export const ESM_TSCONFIG = {
  compilerOptions: {
    strict: true,
    skipLibCheck: true,
    outDir: "bin",
    target: "es2022",
    module: "nodenext",
    moduleResolution: "nodenext",
  },
  files: ["index.ts"],
};

export interface PackedPackage {
  /** The unpacked tarball (npm's `package/` directory). */
  readonly dir: string;
  /** Paths in the tarball, relative to `dir`. */
  readonly files: readonly string[];
}

export interface CommandResult {
  readonly code: number;
  readonly output: string;
}

/** Runs a command, returning its exit code and stdout+stderr instead of throwing. */
export async function command(file: string, args: string[], cwd: string): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof e.code === "number" ? e.code : 1,
      output: `${e.stdout ?? ""}${e.stderr ?? e.message}`,
    };
  }
}

async function mustRun(file: string, args: string[], cwd: string): Promise<string> {
  const result = await command(file, args, cwd);
  if (result.code !== 0)
    throw new Error(`${file} ${args.join(" ")} failed (${result.code}):\n${result.output}`);
  return result.output;
}

/** `npm run build`, then `npm pack` into a temporary directory, unpacked. */
export async function buildAndPack(): Promise<PackedPackage> {
  await mustRun("npm", ["run", "build"], ROOT);
  const work = mkdtempSync(path.join(tmpdir(), "genai-consumer-pack-"));
  const packed = JSON.parse(await mustRun("npm", ["pack", "--json", "--pack-destination", work], ROOT)) as {
    filename: string;
    files: { path: string }[];
  }[];
  const tarball = packed[0];
  if (!tarball) throw new Error("npm pack reported no tarball");
  await mustRun("tar", ["-xzf", path.join(work, tarball.filename), "-C", work], work);
  return { dir: path.join(work, "package"), files: tarball.files.map((f) => f.path).sort() };
}

/** Bare module specifiers the package's JavaScript imports that its package.json does not declare. */
export function undeclaredImports(pkg: PackedPackage): string[] {
  const manifest = JSON.parse(readFileSync(path.join(pkg.dir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  // Its own name may appear too: Node resolves a package's import of itself through its own `exports`.
  const declared = new Set([PACKAGE_NAME, ...Object.keys(manifest.dependencies ?? {})]);
  const missing = new Set<string>();
  for (const file of pkg.files.filter((f) => f.endsWith(".js"))) {
    const source = readFileSync(path.join(pkg.dir, file), "utf8");
    for (const match of source.matchAll(/\bfrom\s+"([^"]+)"|\bimport\s*\(?\s*"([^"]+)"/g)) {
      const specifier = match[1] ?? match[2] ?? "";
      if (specifier.startsWith(".") || specifier.startsWith("node:")) continue;
      const parts = specifier.split("/");
      const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
      if (!declared.has(name)) missing.add(name);
    }
  }
  return [...missing].sort();
}

export interface ConsumerProject {
  readonly dir: string;
}

/** A consumer project: `package.json`, `tsconfig`, the fixture program as index.ts, and its node_modules. */
export function createConsumer(
  pkg: PackedPackage,
  name: string,
  tsconfig: object,
  type: "commonjs" | "module",
): ConsumerProject {
  const dir = mkdtempSync(path.join(tmpdir(), `genai-consumer-${name}-`));
  const manifest = {
    name: `consumer-${name}`,
    private: true,
    type,
    main: "index.ts",
    dependencies: { [PACKAGE_NAME]: `file:${pkg.dir}` },
  };
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  cpSync(path.join(ROOT, "test/consumer/fixture/index.ts"), path.join(dir, "index.ts"));
  const modules = path.join(dir, "node_modules");
  mkdirSync(path.join(modules, "@genai-platform"), { recursive: true });
  for (const entry of readdirSync(path.join(ROOT, "node_modules"))) {
    if (entry === "@genai-platform" || entry === ".package-lock.json") continue;
    symlinkSync(path.join(ROOT, "node_modules", entry), path.join(modules, entry));
  }
  cpSync(pkg.dir, path.join(modules, PACKAGE_NAME), { recursive: true });
  return { dir };
}

/** `tsc -p .` in the consumer (this repository's TypeScript, as the template's `typescript` dependency). */
export function typecheck(project: ConsumerProject): Promise<CommandResult> {
  return command(
    process.execPath,
    [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "."],
    project.dir,
  );
}

export interface ConsumerResult {
  readonly registered: { type: string; name: string }[];
  readonly endpoint: string;
  readonly images: Record<string, string>;
  readonly serviceName: string;
  readonly alerts: number;
  readonly refused: string;
}

/** Parses the fixture's `CONSUMER_RESULT` line. */
export function consumerResult(output: string): ConsumerResult {
  const line = output.split("\n").find((l) => l.startsWith("CONSUMER_RESULT "));
  if (!line) throw new Error(`the consumer printed no result:\n${output}`);
  return JSON.parse(line.slice("CONSUMER_RESULT ".length)) as ConsumerResult;
}
