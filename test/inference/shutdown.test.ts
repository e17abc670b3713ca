// SIGTERM with streams in flight: /ready turns 503 and new work is refused at once, every stream in flight
// still completes, then the process exits 0. (The same server also checks METRICS_AUTH before it is stopped.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, sseEvents } from "./support/http.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ SHUTDOWN_GRACE_MS: "60000", METRICS_AUTH: "true" });
});
afterAll(() => server?.close());

describe("METRICS_AUTH=true", () => {
  it("requires credentials on /metrics (query strings included) but not on the probes", async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics?format=text`)).status).toBe(401);
    const ok = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${server.apiKey}` },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("genai_model_info");
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  });
});

describe("graceful shutdown", () => {
  it("drains in-flight streams, refuses new requests, exits 0", async () => {
    const model = "SmolLM2-135M-Instruct.Q4_1";
    const body = {
      model,
      messages: [{ role: "user", content: "Write a poem about the sea." }],
      max_tokens: 24,
      stream: true,
    };
    const streams = await Promise.all(
      [1, 2, 3].map(async () => {
        const res = await postJson(`${server.url}/v1/chat/completions`, body, { key: server.apiKey });
        expect(res.status).toBe(200);
        const events = sseEvents(res);
        const first = await events.next(); // the stream is open and admitted
        expect(first.done).toBe(false);
        return events;
      }),
    );
    const collected = streams.map(async (events) => {
      const all: string[] = [];
      for await (const e of events) all.push(e);
      return all;
    });

    server.child.kill("SIGTERM");
    // The server notices the signal within a tick or two.
    await new Promise((r) => setTimeout(r, 100));
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    const refused = await postJson(
      `${server.url}/v1/chat/completions`,
      { ...body, stream: false },
      { key: server.apiKey },
    );
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("shutting_down");

    for (const events of await Promise.all(collected)) {
      expect(events.at(-1)).toBe("[DONE]");
      const finals = events.filter((e) => e.includes('"finish_reason":"'));
      expect(finals).toHaveLength(1);
    }
    const code = await Promise.race([
      server.exited,
      new Promise((r) => setTimeout(() => r("timeout"), 20_000)),
    ]);
    if (code !== 0) console.log(server.logs.slice(-15).join("\n"));
    expect(code).toBe(0);
    expect(server.logs.some((l) => l.includes('"msg":"shut down"'))).toBe(true);
  });
});
