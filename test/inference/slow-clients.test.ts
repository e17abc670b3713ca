// Slow clients cannot hold sockets on the real server (REQUEST_BODY_TIMEOUT_MS): headers or a body trickled
// slowly, or nothing sent at all, get 408 in OpenAI's shape and the socket closed; a response that streams for
// longer than that timeout is not cut (node's requestTimeout ends once the request has been received).
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, sseEvents } from "./support/http.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let model: string;
const BODY_TIMEOUT_MS = 1000;

beforeAll(async () => {
  server = await startTestServer({ REQUEST_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS) });
  const res = await fetch(`${server.url}/v1/models`, {
    headers: { authorization: `Bearer ${server.apiKey}` },
  });
  model = ((await res.json()) as { data: { id: string }[] }).data[0]?.id ?? "";
});
afterAll(() => server?.close());

/** Sends `head` then trickles `trickle` a byte every 200 ms; resolves with what came back once the socket closed. */
function slowClient(head: string, trickle: string): Promise<{ response: string; closed: boolean }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let response = "";
    let i = 0;
    const timer = setInterval(() => {
      if (i < trickle.length && !socket.destroyed) socket.write(trickle[i++] as string);
    }, 200);
    const guard = setTimeout(() => finish(false), 20_000);
    const finish = (closed: boolean) => {
      clearInterval(timer);
      clearTimeout(guard);
      socket.destroy();
      resolve({ response, closed });
    };
    socket.on("data", (d) => (response += d.toString()));
    socket.on("close", () => finish(true));
    socket.on("error", () => undefined);
    socket.write(head);
  });
}

describe("slow clients (REQUEST_BODY_TIMEOUT_MS)", () => {
  it("a body trickled slowly gets 408 in OpenAI's shape and the socket is closed", async () => {
    const body = JSON.stringify({ model, messages: [{ role: "user", content: "x".repeat(200) }] });
    const head =
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.apiKey}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { response, closed } = await slowClient(head, body);
    expect(closed).toBe(true);
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(response).toContain('"code":"request_timeout"');
  });

  it("headers trickled slowly get the same", async () => {
    const { response, closed } = await slowClient("GET /health HTTP/1.1\r\n", "X-Slow: " + "a".repeat(100));
    expect(closed).toBe(true);
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("a connection that never sends a byte is closed too", async () => {
    const { closed } = await slowClient("", "");
    expect(closed).toBe(true);
  });

  it("a response that streams for longer than the body timeout is not cut", async () => {
    const t0 = performance.now();
    const res = await postJson(
      `${server.url}/v1/completions`,
      { model, prompt: "1, 2, 3, 4, 5, 6, 7, 8, 9, 10,", max_tokens: 300, stream: true },
      { key: server.apiKey },
    );
    expect(res.status).toBe(200);
    const events: string[] = [];
    for await (const e of sseEvents(res)) events.push(e);
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `stream of ${events.length} events took ${seconds.toFixed(1)} s (body timeout ${BODY_TIMEOUT_MS} ms)`,
    );
    // Only meaningful if the stream outlasted the timeout plus node's 1 s connection check.
    expect(seconds * 1000).toBeGreaterThan(BODY_TIMEOUT_MS + 1000);
    expect(events.at(-1)).toBe("[DONE]");
    expect(events.some((e) => e.includes('"finish_reason":"'))).toBe(true);
  });
});
