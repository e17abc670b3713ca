// The Gateway API Inference Extension's real endpoint picker (cmd/epp v1.0.1, scripts/gateway/build-epp.sh),
// configured from the platform's own chart values, choosing between two real servers of the same model on the
// real model, and a real gateway (scripts/gateway/gateway) that routes the official openai client by body `model`
// to a chat pool and an embeddings pool through one base URL.
//
// The picker watches its InferencePool and Pods through a real API server (scripts/cluster/up.sh). The Pods stand
// for the servers: nothing schedules them (schedulerName names no scheduler), and their status is written here,
// as a kubelet would, with podIP set to the loopback address their server listens on. v1.0.1 sends every pool
// request to one target port on each pod's IP, so each server gets its own loopback address on the same port,
// which is why the suite runs in a network namespace of its own (scripts/gateway/netns.sh).
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { networkInterfaces } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poolName } from "../../infra/gateway/names.js";
import { trackSelector } from "../../infra/workload/labels.js";
import { EPP_METRICS as SERVER_EPP_METRICS } from "../../inference/src/metrics/names.js";
import { run } from "../e2e/support/exec.js";
import { Kube, waitFor } from "../e2e/support/kube.js";
import { freePort, REPO_ROOT, startTestServer, type TestServer } from "../inference/support/server.js";
import { startDaemon, type Daemon } from "./support/daemon.js";
import { exchange, type Pick } from "./support/extproc.js";
import { loadServer, serverLoad } from "./support/load.js";
import { addServerPod } from "./support/pods.js";
import { renderPool, serviceAccountKubeconfig, startPicker, type PoolRender } from "./support/picker.js";

const NS = "default";
const CHAT_MODEL = "smollm2";
const EMBED_MODEL = "smollm2-embed";
/** One address per "pod": the two chat servers of one pool, and the embeddings server of another. */
const IP = { chatA: "127.0.0.1", chatB: "127.0.0.2", embed: "127.0.0.3" } as const;
/** Each picker's ports: the chart's for the first; the second moved (in a cluster each pod has its own). */
const EMBED_PICKER_PORTS = { grpc: 9012, health: 9013, metrics: 9091 };
const CHAT_PICKER = "127.0.0.1:9002";
const EMBED_PICKER = `127.0.0.1:${EMBED_PICKER_PORTS.grpc}`;
const clusterScripts = path.join(REPO_ROOT, "scripts/cluster");
/** The suite's own cluster state, apart from the e2e suite's out/cluster. */
const CLUSTER_DIR = path.join(REPO_ROOT, "out/epp-cluster");

let port: number;
let apiKey: string;
let kube: Kube;
let eppBin: string;
let gatewayBin: string;
const servers: TestServer[] = [];
const daemons: Daemon[] = [];
let clusterUp = false;

const endpoint = (ip: string) => `${ip}:${port}`;

let pickCount = 0;
/** A chat request's pick; each prompt differs so the prefix-cache scorer favours no server. */
function pick(picker: string, model = CHAT_MODEL): Promise<Pick> {
  pickCount += 1;
  const body = { model, messages: [{ role: "user", content: `pick ${pickCount}` }], max_tokens: 1 };
  return exchange(gatewayBin, picker, body, "/v1/chat/completions");
}

const base = (ip: string) => `http://${endpoint(ip)}`;
const load = (ip: string) => serverLoad(base(ip));

/** Picks until every endpoint in `want` has been chosen at least once (both pods registered and scraped). */
async function seenAll(picker: string, model: string, want: readonly string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  await waitFor(
    `picker ${picker} choosing each of ${want.join(", ")}`,
    async () => {
      const p = await pick(picker, model);
      if (p.endpoint) seen.add(p.endpoint);
      return want.every((e) => seen.has(e)) ? true : undefined;
    },
    90_000,
  );
  return seen;
}

/** The CRD folder with the InferencePool CRD (the shared one; test/e2e/crds holds only what the e2e needs). */
function crdsDir(): string {
  const candidates = process.env.GENAI_CRDS_DIR
    ? [process.env.GENAI_CRDS_DIR]
    : ["../shared/crds", "../../shared/crds"].map((d) => path.resolve(REPO_ROOT, d));
  const found = candidates.find((d) =>
    existsSync(path.join(d, "inference.networking.k8s.io_inferencepools.yaml")),
  );
  if (!found)
    throw new Error(
      `no InferencePool CRD in ${candidates.join(" or ")} (set GENAI_CRDS_DIR to the folder of shared/crds)`,
    );
  return found;
}

beforeAll(async () => {
  const nics = Object.keys(networkInterfaces());
  if (nics.some((n) => n !== "lo"))
    throw new Error(
      `this suite gives servers 127.0.0.2 and 127.0.0.3 and fixed ports; run it in its own network namespace ` +
        `(npm run test:epp, which uses scripts/gateway/netns.sh); interfaces here: ${nics.join(", ")}`,
    );
  const built = await run(path.join(REPO_ROOT, "scripts/gateway/build-epp.sh"), [], { streamStderr: true });
  [eppBin = "", gatewayBin = ""] = built.stdout.trim().split("\n");
  if (!eppBin || !gatewayBin) throw new Error(`build-epp.sh printed no binaries:\n${built.stdout}`);
  const tools = await run(path.join(clusterScripts, "build.sh"), [], { streamStderr: true });
  const kubeBin = tools.stdout.trim().split("\n")[0] ?? "";

  port = await freePort();
  apiKey = `sk-test-${randomBytes(16).toString("hex")}`;
  const common = { PORT: String(port), API_KEYS: `test:${apiKey}`, MODEL_DOWNLOAD: "false" };
  const chat = { ...common, MODEL_NAME: CHAT_MODEL, SEQUENCES: "1", CONTEXT_SIZE: "1024" };
  const started = await Promise.allSettled([
    startTestServer({ ...chat, HOST: IP.chatA }),
    startTestServer({ ...chat, HOST: IP.chatB }),
    startTestServer({
      ...common,
      HOST: IP.embed,
      MODEL_TYPE: "embeddings",
      MODEL_NAME: EMBED_MODEL,
      SEQUENCES: "1",
      CONTEXT_SIZE: "256",
    }),
  ]);
  for (const s of started) if (s.status === "fulfilled") servers.push(s.value);
  const failed = started.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;

  const env = { GENAI_CLUSTER_DIR: CLUSTER_DIR, GENAI_CRDS_DIR: crdsDir() };
  clusterUp = true;
  const up = await run(path.join(clusterScripts, "up.sh"), ["--owner-pid", String(process.pid)], {
    streamStderr: true,
    env,
  });
  kube = new Kube(kubeBin, up.stdout.trim());

  // The two pools as the platform names and selects them (infra/workload/modelEndpoint.ts).
  const chatPool = poolName("genai", CHAT_MODEL, "stable");
  const embedPool = poolName("genai", EMBED_MODEL, "stable");
  const chatSel = trackSelector(`genai-${CHAT_MODEL}`, "stable");
  const embedSel = trackSelector(`genai-${EMBED_MODEL}`, "stable");
  const [chatRender, embedRender] = (await Promise.all([
    renderPool(chatPool, NS, chatSel, port),
    renderPool(embedPool, NS, embedSel, port),
  ])) as [PoolRender, PoolRender];
  await kube.apply([chatRender.inferencePool, embedRender.inferencePool]);
  await addServerPod(kube, NS, "chat-a", chatSel, IP.chatA);
  await addServerPod(kube, NS, "chat-b", chatSel, IP.chatB);
  await addServerPod(kube, NS, "embed-0", embedSel, IP.embed);

  const [chatSa, embedSa] = [
    await serviceAccountKubeconfig(kube, chatRender, NS),
    await serviceAccountKubeconfig(kube, embedRender, NS),
  ];
  daemons.push(startPicker(eppBin, chatRender, chatSa, NS));
  daemons.push(startPicker(eppBin, embedRender, embedSa, NS, EMBED_PICKER_PORTS));
}, 900_000);

afterAll(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await Promise.all(servers.map((s) => s.close()));
  if (clusterUp) {
    await run(path.join(clusterScripts, "down.sh"), [], {
      streamStderr: true,
      env: { GENAI_CLUSTER_DIR: CLUSTER_DIR },
    });
  }
}, 120_000);

describe("the real endpoint picker, configured by the platform's chart values", () => {
  it("runs with the metric names the server exports", () => {
    const args = daemons[0]?.child.spawnargs ?? [];
    const flag = (name: string) => args[args.indexOf(`--${name}`) + 1];
    expect(flag("total-queued-requests-metric")).toBe(SERVER_EPP_METRICS.totalQueuedRequests);
    expect(flag("kv-cache-usage-percentage-metric")).toBe(SERVER_EPP_METRICS.kvCacheUsagePercentage);
  });

  it("spreads over both servers while both are idle", async () => {
    const seen = await seenAll(CHAT_PICKER, CHAT_MODEL, [endpoint(IP.chatA), endpoint(IP.chatB)]);
    expect([...seen].sort()).toEqual([endpoint(IP.chatA), endpoint(IP.chatB)].sort());
  });

  for (const [busy, idle] of [
    [IP.chatA, IP.chatB],
    [IP.chatB, IP.chatA],
  ] as const) {
    it(`picks the idle server (${idle}) while ${busy} has a queue and no free slot`, async () => {
      const traffic = loadServer(base(busy), apiKey, CHAT_MODEL, 3);
      try {
        const under = await waitFor(`${busy} loaded`, async () => {
          const l = await load(busy);
          return l.waiting >= 1 && l.slots >= 1 ? l : undefined;
        });
        expect(await load(idle)).toEqual({ waiting: 0, slots: 0 });
        // The picker scrapes every 50 ms; wait for it to see the load, then every pick must go to the idle one.
        await waitFor(`picker choosing ${idle}`, async () =>
          (await pick(CHAT_PICKER)).endpoint === endpoint(idle) ? true : undefined,
        );
        const picks = [];
        for (let i = 0; i < 8; i++) picks.push((await pick(CHAT_PICKER)).endpoint);
        expect(picks).toEqual(Array<string>(8).fill(endpoint(idle)));
        // Still loaded after the picks: they were made against the load, not after it ended.
        const after = await load(busy);
        expect(after.slots, `load on ${busy} ended too early (${JSON.stringify(under)} before)`).toBe(1);
      } finally {
        await traffic.stop();
      }
    });
  }

  it("picks within its own pool whatever model the body names (keeping models apart is the routing's job)", async () => {
    const p = await pick(CHAT_PICKER, "no-such-model");
    // v1.0.1 picks regardless of the name (body-based routing keeps other models out of the pool); what matters is
    // that it still names one of this pool's servers, never another pool's.
    expect([endpoint(IP.chatA), endpoint(IP.chatB)]).toContain(p.endpoint);
  });
  it("refuses an embeddings request: v1.0.1 reads a prompt only from `messages` or `prompt`, never `input`", async () => {
    await seenAll(EMBED_PICKER, EMBED_MODEL, [endpoint(IP.embed)]); // the embeddings pool's picker is up
    const p = await exchange(
      gatewayBin,
      EMBED_PICKER,
      { model: EMBED_MODEL, input: ["a red apple"] },
      "/v1/embeddings",
    );
    expect(p).toMatchObject({ endpoint: "", status: 400 });
    expect(p.message).toContain("prompt not found");
  });
});

describe("the openai client through one gateway", () => {
  const MAX_BODY = 64 * 1024;
  let client: OpenAI;
  let gatewayUrl: string;
  const post = (body: string) =>
    fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body,
    });
  beforeAll(async () => {
    const gw = startDaemon("genai-gateway", gatewayBin, [
      "serve",
      "--listen",
      "127.0.0.1:0",
      "--route",
      `${CHAT_MODEL}=${CHAT_PICKER}`,
      // What the embeddings model needs while the picker refuses its requests (test above): a plain backend.
      "--backend",
      `${EMBED_MODEL}=${endpoint(IP.embed)}`,
      "--max-body-bytes",
      String(MAX_BODY),
    ]);
    daemons.push(gw);
    const line = await gw.line(/^listening on /, 10_000);
    gatewayUrl = `http://${line.replace("listening on ", "")}`;
    client = new OpenAI({
      baseURL: `${gatewayUrl}/v1`,
      apiKey,
      maxRetries: 0,
      timeout: 60_000,
    });
  }, 120_000);

  it("gets a chat answer from one of the chat pool's servers", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: CHAT_MODEL, messages: [{ role: "user", content: "Name a color." }], max_tokens: 8 })
      .withResponse();
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(data.model).toBe(CHAT_MODEL);
    expect([endpoint(IP.chatA), endpoint(IP.chatB)]).toContain(
      response.headers.get("x-gateway-destination-endpoint"),
    );
  });

  it("streams a chat answer through the gateway", async () => {
    const stream = await client.chat.completions.create({
      model: CHAT_MODEL,
      messages: [{ role: "user", content: "Say hello." }],
      max_tokens: 8,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
  });

  it("gets embeddings from the embeddings server through the same base URL", async () => {
    const { data, response } = await client.embeddings
      .create({ model: EMBED_MODEL, input: ["a red apple", "a green pear"] })
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0]?.embedding.length).toBeGreaterThan(10);
    expect(response.headers.get("x-gateway-destination-endpoint")).toBe(endpoint(IP.embed));
  });

  it("lists the models through the first model's pool, as the route's model-less rule does", async () => {
    const { data, response } = await client.models.list().withResponse();
    expect(data.data.map((m) => m.id)).toContain(CHAT_MODEL);
    expect([endpoint(IP.chatA), endpoint(IP.chatB)]).toContain(
      response.headers.get("x-gateway-destination-endpoint"),
    );
  });

  it("answers a model no pool serves with the OpenAI 404 model_not_found", async () => {
    const err = await client.chat.completions
      .create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });

  it("refuses a body that is not JSON, and one over its size bound, in OpenAI's error format", async () => {
    const bad = await post("{not json");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    const big = await post(JSON.stringify({ model: CHAT_MODEL, prompt: "x".repeat(MAX_BODY) }));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { type: "invalid_request_error" } });
  });
});
