// The CPU image as the cluster runs it: the Deployment's user, read-only root, dropped capabilities, no new
// privileges, limits, the model volume read-only, /tmp a small writable tmpfs and the Deployment's environment,
// driven with the official openai client. Needs the image from scripts/image/build.sh (GENAI_IMAGE) and a
// Docker daemon; only PORT (host network), API_KEYS (the Secret), the OTLP endpoint (a local receiver) and
// THREADS (see below) differ from the cluster's values.
import { createServer } from "node:net";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOtlpReceiver } from "../inference/support/otlp.js";
import {
  docker,
  dockerRunArgs,
  type ServerPodSpec,
  serverPodSpec,
  waitHealthy,
} from "./support/container.js";

const IMAGE = process.env.GENAI_IMAGE ?? "genai-inference:local";
const MODEL_DIR =
  process.env.GENAI_MODEL_CACHE ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "genai-platform/models");
/** The image's budget: the CPU runtime fits in this (the unpruned image was 1.1 GB). */
const MAX_IMAGE_MB = 500;
const API_KEY = "sk-image-test-0123456789abcdef";
/** API_KEYS holds `tenant:key` entries (docs/inference.md). */
const API_KEYS = `image-test:${API_KEY}`;
const NAME = `genai-image-test-${process.pid}`;

let spec: ServerPodSpec;
let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
let client: OpenAI;
let port: number;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
const inContainer = (script: string) =>
  docker("exec", NAME, "node", "-e", script).then(
    (out) => ({ ok: true, out }),
    (e: { stderr?: string }) => ({ ok: false, out: e.stderr ?? "" }),
  );

/** The model name the Deployment gives the server (MODEL_NAME). */
const servedModel = (): string => {
  const name = spec.container.env.find((e) => e.name === "MODEL_NAME")?.value;
  if (!name) throw new Error("the Deployment sets no MODEL_NAME");
  return name;
};

beforeAll(async () => {
  await docker("image", "inspect", IMAGE).catch(() => {
    throw new Error(`image ${IMAGE} is missing: build it with scripts/image/build.sh`);
  });
  const model = path.join(MODEL_DIR, "SmolLM2-135M-Instruct.Q4_1.gguf");
  if (!existsSync(model)) throw new Error(`${model} is missing: run scripts/fetch-model.sh`);
  spec = await serverPodSpec();
  otlp = await startOtlpReceiver();
  port = await freePort();
  await docker("rm", "-f", NAME).catch(() => "");
  const args = dockerRunArgs(spec, {
    image: IMAGE,
    name: NAME,
    modelDir: MODEL_DIR,
    secrets: { API_KEYS },
    overrides: {
      PORT: String(port),
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      // Like the server suite (test/inference/support/server.ts): llama.cpp's spinning thread pool collapses
      // on an oversubscribed shared CI machine (4 tokens took 160 s with the default threads here, 1 s with one).
      THREADS: "1",
    },
  });
  console.log(`[image] docker ${args.join(" ")}`);
  await docker(...args);
  await waitHealthy(NAME, 120_000);
  // Docker's HEALTHCHECK is the liveness check (/health); traffic waits for readiness (/ready: model loaded), as
  // the Deployment's readinessProbe makes it.
  const deadline = Date.now() + 240_000;
  while (
    (await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  ) {
    if (Date.now() > deadline) throw new Error(`${NAME}: /ready is not 200 after 240 s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: API_KEY, maxRetries: 0 });
}, 420_000);

afterAll(async () => {
  await docker("rm", "-f", NAME).catch(() => "");
  await otlp?.close();
});

describe("the image", () => {
  it(`is under ${MAX_IMAGE_MB} MB, runs as uid 1000, carries no compiler and only linux-x64 llama.cpp binaries`, async () => {
    const size = Number(await docker("image", "inspect", "--format", "{{.Size}}", IMAGE));
    console.log(`[image] ${IMAGE}: ${(size / 1e6).toFixed(0)} MB`);
    expect(size / 1e6).toBeLessThan(MAX_IMAGE_MB);
    expect(await docker("image", "inspect", "--format", "{{.Config.User}}", IMAGE)).toBe("1000:1000");
    const platforms = await inContainer(
      "console.log(require('fs').readdirSync('/app/node_modules/@node-llama-cpp').join(','))",
    );
    expect(platforms.out).toBe("linux-x64");
    // The AMX variant's Q4 kernels decode far slower (inference/scripts/drop-amx-cpu-variant.sh); the image drops it.
    const variants = await inContainer(
      "console.log(require('fs').readdirSync('/app/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64').filter(f=>f.startsWith('libggml-cpu-')).join(','))",
    );
    expect(variants.out).toMatch(/libggml-cpu-icelake\.so/);
    expect(variants.out).not.toMatch(/sapphirerapids/);
    const typescript = await inContainer("require('fs').accessSync('/app/node_modules/typescript')");
    expect(typescript.ok).toBe(false);
  });

  it("runs with the Deployment's restrictions: uid/gid 1000, no capabilities, read-only root, /models read-only, /tmp writable", async () => {
    const who = await inContainer(
      "const s=require('fs').readFileSync('/proc/self/status','utf8');console.log(process.getuid(),process.getgid(),/CapEff:\\s*(\\w+)/.exec(s)[1],/NoNewPrivs:\\s*(\\d)/.exec(s)[1])",
    );
    expect(who.out).toBe("1000 1000 0000000000000000 1");
    expect((await inContainer("require('fs').writeFileSync('/app/x','')")).out).toMatch(/EROFS/);
    expect((await inContainer("require('fs').writeFileSync('/models/x','')")).out).toMatch(/EROFS/);
    expect((await inContainer("require('fs').writeFileSync('/tmp/x','ok')")).ok).toBe(true);
  });
});

describe("the server in the image, through the official openai client", () => {
  it("lists the model and refuses a wrong key in the OpenAI error format", async () => {
    // The stack names the model (MODEL_NAME from genai:models) and lists the endpoint's catalog, its own first.
    expect((await client.models.list()).data.map((m) => m.id)[0]).toBe(servedModel());
    const wrong = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "sk-wrong", maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
  });

  it("answers a chat completion and streams one, with usage", async () => {
    const res = await client.chat.completions.create({
      model: servedModel(),
      messages: [{ role: "user", content: "Name a color." }],
      max_tokens: 4,
      temperature: 0,
    });
    expect(res.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(res.usage?.completion_tokens).toBeGreaterThan(0);
    const stream = await client.chat.completions.create({
      model: servedModel(),
      messages: [{ role: "user", content: "Count to three." }],
      max_tokens: 4,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    // A few tokens take well under a second on an idle core; a loaded shared CI machine is far slower.
  }, 600_000);

  it("exports its spans to the configured OTLP endpoint with the Deployment's service name and track", async () => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && otlp.spans.length === 0) await new Promise((r) => setTimeout(r, 500));
    expect(otlp.spans.length).toBeGreaterThan(0);
    expect(otlp.spans[0]?.serviceName).toBe("genai-inference");
    expect(otlp.spans[0]?.resource["deployment.track"]).toBe("stable");
  });

  it("stops cleanly on SIGTERM (docker stop) within the drain time", async () => {
    await docker("stop", "--time", "40", NAME);
    expect(await docker("inspect", "--format", "{{.State.ExitCode}}", NAME)).toBe("0");
  });
});
