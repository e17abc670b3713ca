// A missing or invalid model file: the server still answers its probes, /ready stays 503 with the reason,
// generation answers 503, and the log says what went wrong and how to provide a model.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, postJson } from "./support/http.js";
import { spawnServer, type TestServer } from "./support/server.js";

let dir: string;
const servers: TestServer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bad-model-"));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function start(model: string) {
  const server = await spawnServer({ MODEL: model }, { waitReady: false });
  servers.push(server);
  let body: { status?: string; error?: string } = {};
  const failed = await eventually(async () => {
    const res = await fetch(`${server.url}/ready`);
    body = (await res.json()) as typeof body;
    return res.status === 503 && body.status === "failed";
  }, 60_000);
  expect(failed).toBe(true);
  return { server, body };
}

describe("bad model", () => {
  it("missing file: /ready 503 with the reason, generation 503, /health 200", async () => {
    const { server, body } = await start(join(dir, "nope.gguf"));
    expect(body.error).toMatch(/MODEL=.*nope\.gguf is not a readable file\. Provide a model: set MODEL/);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const res = await postJson(`${server.url}/generate`, { prompt: "hi" }, { key: server.apiKey });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_ready");
    expect(server.logs.some((l) => l.includes('"event":"model_failed"'))).toBe(true);
  });

  it("a file that is not GGUF: /ready 503 saying it cannot be loaded", async () => {
    const junk = join(dir, "junk.gguf");
    await writeFile(junk, randomBytes(4096));
    const { body } = await start(junk);
    expect(body.error).toMatch(/cannot load model .*junk\.gguf/);
  });
});
