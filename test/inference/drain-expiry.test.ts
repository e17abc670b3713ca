// SIGTERM with more work in flight than the drain grace (SHUTDOWN_GRACE_MS) allows: when the grace runs out,
// the queued request gets 503, the running non-stream a 503 body, the running stream a final SSE error event
// and [DONE]; every answer is in OpenAI's error shape, none a dropped connection; then the process exits 0.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, sseEvents } from "./support/http.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let model: string;

beforeAll(async () => {
  server = await startTestServer({ SEQUENCES: "2", SHUTDOWN_GRACE_MS: "1500", MAX_TOKENS_CAP: "900" });
  const res = await fetch(`${server.url}/v1/models`, {
    headers: { authorization: `Bearer ${server.apiKey}` },
  });
  model = ((await res.json()) as { data: { id: string }[] }).data[0]?.id ?? "";
});
afterAll(() => server?.close());

interface ErrorBody {
  error: { message: string; type: string; code: string | null };
}

describe("drain grace expiry", () => {
  it("answers everything still in flight with 503 shutting_down, then exits 0", async () => {
    // Counting goes on far beyond the grace: 900 tokens take tens of seconds on one CPU thread.
    const long = { model, prompt: "1, 2, 3, 4, 5, 6, 7, 8, 9, 10,", max_tokens: 900 };
    const stream = await postJson(
      `${server.url}/v1/completions`,
      { ...long, stream: true },
      { key: server.apiKey },
    );
    expect(stream.status).toBe(200);
    const events = sseEvents(stream);
    expect((await events.next()).done).toBe(false);
    const running = postJson(`${server.url}/v1/completions`, long, { key: server.apiKey });
    // Both sequences are busy once the running request has started: wait for it before queueing the third.
    await new Promise((r) => setTimeout(r, 1000));
    const queued = postJson(`${server.url}/v1/completions`, long, { key: server.apiKey });
    await new Promise((r) => setTimeout(r, 300));

    server.child.kill("SIGTERM");
    const rest: string[] = [];
    for await (const e of events) rest.push(e);
    expect(rest.at(-1)).toBe("[DONE]");
    const last = JSON.parse(rest.at(-2) as string) as ErrorBody;
    expect(last.error).toMatchObject({ code: "shutting_down", type: "service_unavailable" });
    expect(rest.some((e) => e.includes('"finish_reason":"'))).toBe(false);

    for (const res of [await running, await queued]) {
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(((await res.json()) as ErrorBody).error.code).toBe("shutting_down");
    }
    expect(await server.exited).toBe(0);
    expect(server.logs.some((l) => l.includes("grace period over"))).toBe(true);
  });
});
