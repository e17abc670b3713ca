// No client can stall or bloat the real server: request bounds refused before any prompt work, the event loop
// free while big prompts are prepared, rate limits applied before tokenizing, slow bodies cut off with 408,
// JWTs that never expire refused, the tenant label bounded, and /openapi.json documenting all of it.
import { SignJWT } from "jose";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, sseEvents } from "./support/http.js";
import { scrape, sum } from "./support/metrics.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let model: string;
const HS_SECRET = randomBytes(32).toString("hex");
const keys = {
  alpha: `alpha-${randomBytes(12).toString("hex")}`,
  spender: `spender-${randomBytes(12).toString("hex")}`,
  streamer: `streamer-${randomBytes(12).toString("hex")}`,
};
/** MAX_MESSAGES and MAX_PROMPT_CHARS keep their defaults: the liveness check below is about those. */
const LIMITS = { MAX_MESSAGES: 256, MAX_PROMPT_CHARS: 65_536, MAX_STOP_CHARS: 32, MAX_TOKENS_CAP: 300 };
const BODY_TIMEOUT_MS = 1000;

beforeAll(async () => {
  server = await startTestServer({
    API_KEYS: Object.entries(keys)
      .map(([tenant, key]) => `${tenant}:${key}`)
      .join(","),
    JWT_SECRET: HS_SECRET,
    METRICS_MAX_TENANTS: "2",
    RATE_LIMIT_TPM: "200",
    REQUEST_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
    MAX_STOP_CHARS: String(LIMITS.MAX_STOP_CHARS),
    MAX_TOKENS_CAP: String(LIMITS.MAX_TOKENS_CAP),
  });
  const res = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${keys.alpha}` } });
  model = ((await res.json()) as { data: { id: string }[] }).data[0]?.id ?? "";
});
afterAll(() => server?.close());

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function expectError(res: Response, status: number, code: string, param?: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  if (param !== undefined) expect(body.error.param).toBe(param);
  return body.error;
}

const chat = (extra: Record<string, unknown>, key = keys.alpha) =>
  postJson(
    `${server.url}/v1/chat/completions`,
    { model, messages: [{ role: "user", content: "Hi" }], max_tokens: 2, ...extra },
    { key },
  );

describe("bounds, refused before any prompt work (400 naming the field and the limit)", () => {
  it("a 1 MB body of 30,000 one-character messages", async () => {
    const messages = Array.from({ length: 30_000 }, () => ({ role: "user", content: "x" }));
    const err = await expectError(await chat({ messages }), 400, "array_above_max_length", "messages");
    expect(err.message).toContain(String(LIMITS.MAX_MESSAGES));
  });

  it("one message, or all of them together, above MAX_PROMPT_CHARS", async () => {
    const long = "y".repeat(LIMITS.MAX_PROMPT_CHARS + 1);
    await expectError(
      await chat({ messages: [{ role: "user", content: long }] }),
      400,
      "string_above_max_length",
      "messages.0.content",
    );
    const half = "z".repeat(LIMITS.MAX_PROMPT_CHARS / 2 + 1);
    const err = await expectError(
      await chat({
        messages: [
          { role: "user", content: half },
          { role: "user", content: half },
        ],
      }),
      400,
      "string_above_max_length",
      "messages",
    );
    expect(err.message).toContain(String(LIMITS.MAX_PROMPT_CHARS));
    await expectError(
      await postJson(`${server.url}/v1/completions`, { model, prompt: long }, { key: keys.alpha }),
      400,
      "string_above_max_length",
      "prompt",
    );
  });

  it("stop strings: at most 4, each at most MAX_STOP_CHARS (a 900 KB stop string is refused)", async () => {
    await expectError(await chat({ stop: ["a", "b", "c", "d", "e"] }), 400, "array_above_max_length", "stop");
    const err = await expectError(
      await chat({ stop: "s".repeat(900_000) }),
      400,
      "string_above_max_length",
      "stop",
    );
    expect(err.message).toContain(String(LIMITS.MAX_STOP_CHARS));
    await expectError(await chat({ stop: ["ok", "t".repeat(33)] }), 400, "string_above_max_length", "stop.1");
    expect((await chat({ stop: ["ok", "t".repeat(32)] })).status).toBe(200);
  });

  it('/v1/completions with "prompt": "" or [""] is a 400, not a 500', async () => {
    for (const prompt of ["", [""]]) {
      const res = await postJson(`${server.url}/v1/completions`, { model, prompt }, { key: keys.alpha });
      const err = await expectError(res, 400, "invalid_value");
      expect(err.param).toMatch(/^prompt/);
    }
  });
});

describe("the event loop stays free", () => {
  it("/health answers within the liveness probe's timeout while 8 maximal prompts are prepared", async () => {
    // Each body is as big as the bounds allow: MAX_MESSAGES messages of MAX_PROMPT_CHARS characters in all.
    const per = Math.floor(LIMITS.MAX_PROMPT_CHARS / LIMITS.MAX_MESSAGES);
    const messages = Array.from({ length: LIMITS.MAX_MESSAGES }, (_, i) => ({
      role: i % 2 === 0 ? "user" : "assistant",
      content: "word ".repeat(per / 5),
    }));
    const heavy = Array.from({ length: 8 }, () => chat({ messages }));
    const latencies: number[] = [];
    let settled = false;
    void Promise.allSettled(heavy).then(() => (settled = true));
    while (!settled) {
      const t0 = performance.now();
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Rendered and tokenized, then refused: far more tokens than one 1024-token sequence holds.
    for (const res of await Promise.all(heavy)) await expectError(res, 400, "context_length_exceeded");
    console.log(
      `/health during 8 maximal prompts: ${latencies.length} probes, max ${Math.max(...latencies).toFixed(0)} ms`,
    );
    // The kubelet's liveness probe gives up after 5 s; half of that leaves room for a loaded CI machine.
    expect(Math.max(...latencies)).toBeLessThan(2500);
  });

  it("a tenant over its rate limit is refused before its prompt is tokenized", async () => {
    let limited = false;
    for (let i = 0; i < 6 && !limited; i++) {
      const res = await chat(
        { max_tokens: 60, messages: [{ role: "user", content: "Tell me a story." }] },
        keys.spender,
      );
      limited = res.status === 429;
      await res.arrayBuffer();
    }
    expect(limited).toBe(true);
    // Within the bounds but far over the context window: tokenizing it would answer 400 context_length_exceeded.
    const big = [{ role: "user", content: "word ".repeat(LIMITS.MAX_PROMPT_CHARS / 5 - 1) }];
    await expectError(await chat({ messages: big }, keys.spender), 429, "rate_limit_exceeded");
  });
});

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
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keys.alpha}\r\n` +
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

  it("a response that streams for longer than the body timeout is not cut", async () => {
    const t0 = performance.now();
    const res = await postJson(
      `${server.url}/v1/completions`,
      { model, prompt: "1, 2, 3, 4, 5, 6, 7, 8, 9, 10,", max_tokens: 150, stream: true },
      { key: keys.streamer },
    );
    expect(res.status).toBe(200);
    const events: string[] = [];
    for await (const e of sseEvents(res)) events.push(e);
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `stream of ${events.length} events took ${seconds.toFixed(1)} s (body timeout ${BODY_TIMEOUT_MS} ms)`,
    );
    expect(events.at(-1)).toBe("[DONE]");
    expect(events.some((e) => e.includes('"finish_reason":"'))).toBe(true);
  });
});

describe("JWTs", () => {
  const sign = (claims: Record<string, unknown>, exp?: number | string) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuedAt();
    if (exp !== undefined) jwt.setExpirationTime(exp);
    return jwt.sign(new TextEncoder().encode(HS_SECRET));
  };

  it("a token without exp is refused with a clear 401", async () => {
    const err = await expectError(await chat({}, await sign({ tenant: "forever" })), 401, "invalid_api_key");
    expect(err.message).toMatch(/no "exp" claim/);
  });

  it("a token living longer than JWT_MAX_LIFETIME_S (default 1 day) is refused", async () => {
    const err = await expectError(
      await chat({}, await sign({ tenant: "long" }, "48h")),
      401,
      "invalid_api_key",
    );
    expect(err.message).toMatch(/lifetime .* above the 86400 s allowed/);
  });

  it('beyond METRICS_MAX_TENANTS other tenants, new JWT tenants are counted as tenant="other"', async () => {
    for (const tenant of ["jwt-1", "jwt-2", "jwt-3", "jwt-4"]) {
      expect((await chat({ max_tokens: 1 }, await sign({ tenant }, "5m"))).status).toBe(200);
    }
    expect((await chat({ max_tokens: 1 })).status).toBe(200);
    const samples = await scrape(server.url);
    const tenants = new Set(
      samples.filter((s) => s.name === "genai_tenant_tokens_total").map((s) => s.labels.tenant),
    );
    expect([...tenants].sort()).toEqual(["alpha", "jwt-1", "jwt-2", "other", "spender", "streamer"]);
    expect(sum(samples, "genai_tenant_tokens_total", { tenant: "other", type: "prompt" })).toBeGreaterThan(0);
  });
});

describe("/openapi.json", () => {
  interface Doc {
    paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
  }
  let doc: Doc;
  beforeAll(async () => {
    doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
  });

  it("documents every status each route can answer", () => {
    const statuses = (path: string, method: string) =>
      Object.keys(doc.paths[path]?.[method]?.responses ?? {});
    for (const path of ["/v1/chat/completions", "/v1/completions", "/generate", "/batch_generate"]) {
      expect(statuses(path, "post")).toEqual(
        expect.arrayContaining(["200", "400", "401", "404", "408", "413", "415", "429", "503", "504"]),
      );
    }
    expect(statuses("/v1/models", "get")).toEqual(expect.arrayContaining(["200", "401", "503"]));
    expect(statuses("/ready", "get")).toEqual(expect.arrayContaining(["200", "503"]));
    expect(statuses("/metrics", "get")).toEqual(["200"]);
  });

  it("shows the caps as maximum / maxItems / maxLength", () => {
    const body = JSON.stringify(doc.paths["/v1/chat/completions"]?.post?.requestBody);
    expect(body).toContain(
      `"max_tokens":{"type":["integer","null"],"minimum":1,"maximum":${LIMITS.MAX_TOKENS_CAP}}`,
    );
    expect(body).toContain(`"maxItems":${LIMITS.MAX_MESSAGES}`);
    expect(body).toContain(`"maxLength":${LIMITS.MAX_STOP_CHARS}`);
    expect(JSON.stringify(doc.paths["/batch_generate"]?.post?.requestBody)).toContain('"maxItems":16');
  });
});
