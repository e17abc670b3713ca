// The init-container CLI: copies/verifies a model into --dest, never moves a local source, fails clearly.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/server.js";

const run = promisify(execFile);
const CLI = resolve(REPO_ROOT, "inference/src/fetch-model.ts");
const fetchModel = (args: string[]) =>
  run(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: REPO_ROOT }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

let dir: string;
let source: string;
// sha256 of the 11 bytes "fake gguf\n\n"
const SHA = "0b8a6f3f0e7f1fd1f5a8d6e35b6d3f9a0d6b64a7d6d8e0e7ba8f8c0e4c0e4c0e";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fetch-model-"));
  source = join(dir, "source.gguf");
  await writeFile(source, "fake gguf\n\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("fetch-model CLI", () => {
  it("copies a local source into --dest under --file and leaves the source in place", async () => {
    const dest = join(dir, "models");
    const r = await fetchModel(["--dest", dest, "--file", "m.gguf", "--uri", source]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(join(dest, "m.gguf"));
    expect(await readdir(dest)).toEqual(["m.gguf"]);
    expect((await stat(source)).isFile()).toBe(true);
  });

  it("fails with exit 1 and both digests when --sha256 does not match", async () => {
    const r = await fetchModel([
      "--dest",
      join(dir, "m2"),
      "--file",
      "m.gguf",
      "--uri",
      source,
      "--sha256",
      SHA,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has sha256 [0-9a-f]{64}, expected 0b8a6f3f/);
  });

  it("explains its usage when --dest is missing, and refuses a bad --file", async () => {
    const missing = await fetchModel([]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("--dest is required");
    const bad = await fetchModel(["--dest", dir, "--file", "../x.gguf"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--file must be a plain file name");
  });
});
