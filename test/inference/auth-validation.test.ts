// Credentials (API keys per tenant, HS256 and RS256 JWTs), per-tenant token limits, and every class of bad
// input answered 4xx in OpenAI's error shape.
import { SignJWT, exportSPKI, generateKeyPair } from "jose";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson } from "./support/http.js";
import { scrape, sum } from "./support/metrics.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let model: string;
const HS_SECRET = randomBytes(32).toString("hex");
const keys = {
  alpha: `alpha-${randomBytes(12).toString("hex")}`,
  bravo: `bravo-${randomBytes(12).toString("hex")}`,
};
let rsPrivate: CryptoKey;
let otherPrivate: CryptoKey;

beforeAll(async () => {
  const rs = await generateKeyPair("RS256", { extractable: true });
  rsPrivate = rs.privateKey;
  otherPrivate = (await generateKeyPair("RS256")).privateKey;
  server = await startTestServer({
    API_KEYS: `alpha:${keys.alpha},bravo:${keys.bravo}`,
    JWT_SECRET: HS_SECRET,
    JWT_PUBLIC_KEY: await exportSPKI(rs.publicKey),
    JWT_AUDIENCE: "genai",
    RATE_LIMIT_TPM: "100",
    MAX_TOKENS_CAP: "512",
    BODY_LIMIT_BYTES: "65536",
  });
  const res = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${keys.alpha}` } });
  model = ((await res.json()) as { data: { id: string }[] }).data[0]?.id ?? "";
});
afterAll(() => server?.close());

const chatBody = (extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: "user", content: "Hi" }],
  max_tokens: 2,
  ...extra,
});

async function expectError(res: Response, status: number, code?: string, param?: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as {
    error: { message: string; type: string; param: unknown; code: unknown };
  };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(typeof body.error.type).toBe("string");
  expect(body.error).toHaveProperty("param");
  expect(body.error).toHaveProperty("code");
  if (code !== undefined) expect(body.error.code).toBe(code);
  if (param !== undefined) expect(body.error.param).toBe(param);
  return body.error;
}

const hsToken = (claims: Record<string, unknown>, secret = HS_SECRET) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setAudience("genai")
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(secret));

describe("authentication", () => {
  const routes = ["/v1/chat/completions", "/v1/completions", "/generate", "/batch_generate"];

  it.each(routes)("POST %s without credentials is 401", async (route) => {
    const err = await expectError(await postJson(`${server.url}${route}`, {}), 401, "invalid_api_key");
    expect(err.type).toBe("authentication_error");
  });

  it("GET /v1/models with a wrong key is 401", async () => {
    const res = await fetch(`${server.url}/v1/models`, {
      headers: { authorization: "Bearer sk-wrong-key-0000000000" },
    });
    await expectError(res, 401, "invalid_api_key");
  });

  it("/health, /ready and /metrics stay open", async () => {
    for (const path of ["/health", "/ready", "/metrics"])
      expect((await fetch(`${server.url}${path}`)).status).toBe(200);
  });

  it("accepts each tenant's key, as Bearer or x-api-key", async () => {
    expect(
      (await postJson(`${server.url}/v1/chat/completions`, chatBody(), { key: keys.alpha })).status,
    ).toBe(200);
    const res = await postJson(`${server.url}/v1/chat/completions`, chatBody(), {
      headers: { "x-api-key": keys.alpha },
    });
    expect(res.status).toBe(200);
  });

  it("accepts an HS256 JWT and books its tokens to the tenant claim", async () => {
    const token = await hsToken({ tenant: "jwt-hs" });
    expect((await postJson(`${server.url}/v1/chat/completions`, chatBody(), { key: token })).status).toBe(
      200,
    );
    const samples = await scrape(server.url);
    expect(
      sum(samples, "genai_tenant_tokens_total", { tenant: "jwt-hs", type: "generation" }),
    ).toBeGreaterThan(0);
  });

  it("accepts an RS256 JWT signed by the configured key (tenant from sub)", async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "RS256" })
      .setSubject("jwt-rs")
      .setAudience("genai")
      .setExpirationTime("5m")
      .sign(rsPrivate);
    expect((await postJson(`${server.url}/v1/chat/completions`, chatBody(), { key: token })).status).toBe(
      200,
    );
  });

  it("rejects JWTs that are expired, for another audience, or signed with another key", async () => {
    const expired = await new SignJWT({ tenant: "x" })
      .setProtectedHeader({ alg: "HS256" })
      .setAudience("genai")
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(HS_SECRET));
    const wrongAudience = await new SignJWT({ tenant: "x" })
      .setProtectedHeader({ alg: "HS256" })
      .setAudience("other")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(HS_SECRET));
    const wrongKey = await new SignJWT({ tenant: "x" })
      .setProtectedHeader({ alg: "RS256" })
      .setAudience("genai")
      .setExpirationTime("5m")
      .sign(otherPrivate);
    const wrongSecret = await hsToken({ tenant: "x" }, randomBytes(32).toString("hex"));
    for (const token of [expired, wrongAudience, wrongKey, wrongSecret]) {
      await expectError(await postJson(`${server.url}/v1/chat/completions`, chatBody(), { key: token }), 401);
    }
  });
});

describe("per-tenant token limit", () => {
  it("answers 429 with Retry-After once a tenant spent its tokens per minute, other tenants unaffected", async () => {
    const big = chatBody({ max_tokens: 60, messages: [{ role: "user", content: "Tell me a long story." }] });
    let limited: Response | undefined;
    for (let i = 0; i < 4 && !limited; i++) {
      const res = await postJson(`${server.url}/v1/chat/completions`, big, { key: keys.bravo });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(200);
    }
    expect(limited).toBeDefined();
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await expectError(limited as Response, 429, "rate_limit_exceeded");
    expect(
      (await postJson(`${server.url}/v1/chat/completions`, chatBody(), { key: keys.alpha })).status,
    ).toBe(200);
    const samples = await scrape(server.url);
    expect(sum(samples, "genai_rate_limited_total", { tenant: "bravo" })).toBeGreaterThanOrEqual(1);
    expect(sum(samples, "genai_rate_limited_total", { tenant: "alpha" })).toBe(0);
  });
});

describe("validation (400 in OpenAI's shape)", () => {
  const post = (path: string, body: unknown) => postJson(`${server.url}${path}`, body, { key: keys.alpha });

  it("unknown fields", async () => {
    await expectError(
      await post("/v1/chat/completions", chatBody({ foo: 1 })),
      400,
      "unknown_parameter",
      "foo",
    );
    await expectError(
      await post(
        "/v1/chat/completions",
        chatBody({ messages: [{ role: "user", content: "x", extra: true }] }),
      ),
      400,
      "unknown_parameter",
      "messages.0.extra",
    );
  });

  it("wrong types and values", async () => {
    await expectError(
      await post("/v1/chat/completions", chatBody({ temperature: "hot" })),
      400,
      "invalid_value",
      "temperature",
    );
    await expectError(
      await post("/v1/chat/completions", chatBody({ max_tokens: 0 })),
      400,
      "invalid_value",
      "max_tokens",
    );
    await expectError(await post("/v1/chat/completions", chatBody({ n: 2 })), 400, "invalid_value", "n");
    await expectError(
      await post("/v1/chat/completions", chatBody({ messages: [{ role: "wizard", content: "x" }] })),
      400,
      "invalid_value",
      "messages.0.role",
    );
    await expectError(await post("/v1/completions", { model, prompt: 42 }), 400, "invalid_value", "prompt");
  });

  it("missing required fields", async () => {
    await expectError(await post("/v1/chat/completions", { model }), 400, "invalid_value", "messages");
    await expectError(await post("/generate", { max_length: 3 }), 400, "invalid_value", "prompt");
  });

  it("max_tokens over the cap", async () => {
    await expectError(
      await post("/v1/completions", { model, prompt: "x", max_tokens: 513 }),
      400,
      "invalid_value",
      "max_tokens",
    );
    await expectError(
      await post("/generate", { prompt: "x", max_length: 10_000 }),
      400,
      "invalid_value",
      "max_length",
    );
  });

  it("prompt over the context window", async () => {
    const prompt = "word ".repeat(1500);
    await expectError(
      await post("/v1/completions", { model, prompt, max_tokens: 10 }),
      400,
      "context_length_exceeded",
      "prompt",
    );
    await expectError(
      await post("/v1/chat/completions", chatBody({ messages: [{ role: "user", content: prompt }] })),
      400,
      "context_length_exceeded",
      "messages",
    );
  });

  it("invalid JSON, oversized bodies, unknown model, unknown route", async () => {
    await expectError(await post("/v1/chat/completions", "{not json"), 400, "invalid_json");
    await expectError(
      await post("/v1/completions", { model, prompt: "x".repeat(70_000) }),
      413,
      "request_too_large",
    );
    await expectError(
      await post("/v1/chat/completions", chatBody({ model: "gpt-4" })),
      404,
      "model_not_found",
      "model",
    );
    await expectError(await post("/v1/audio/speech", {}), 404, "not_found");
  });

  it("the official client surfaces these errors as APIError with the status", async () => {
    const { default: OpenAI } = await import("openai");
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: keys.alpha, maxRetries: 0 });
    await expect(
      client.chat.completions.create({
        model,
        messages: [{ role: "user", content: "x" }],
        max_tokens: 100_000,
      }),
    ).rejects.toMatchObject({ status: 400, code: "invalid_value", param: "max_tokens" });
  });
});
