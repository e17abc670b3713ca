// Unit tests of the server's pure parts (no model): config parsing, the FIFO slot pool, the rate limiter,
// API-key parsing and matching.
import { describe, expect, it } from "vitest";
import { matchApiKey, parseApiKeys } from "../../inference/src/auth/keys.js";
import { TenantRateLimiter } from "../../inference/src/auth/rate-limit.js";
import { ConfigError, loadConfig } from "../../inference/src/config.js";
import { SlotPool } from "../../inference/src/engine/slots.js";
import { ApiError } from "../../inference/src/errors.js";

describe("config", () => {
  it("has defaults for everything", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8000,
      sequences: 4,
      queueSize: 64,
      gpu: "auto",
      metricsAuth: false,
      model: undefined,
    });
  });

  it.each([
    ["PORT", "80x", /invalid PORT="80x": expected an integer from 0 to 65535/],
    ["SEQUENCES", "0", /invalid SEQUENCES="0"/],
    ["GPU", "tpu", /invalid GPU="tpu": expected one of auto, cuda/],
    ["METRICS_AUTH", "maybe", /invalid METRICS_AUTH="maybe": expected true or false/],
    ["MODEL_SHA256", "abc", /invalid MODEL_SHA256/],
    ["JWT_SECRET", "short", /JWT_SECRET.*at least 32 characters/],
  ])("rejects %s=%s naming the variable", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it("keeps DEFAULT_MAX_TOKENS within MAX_TOKENS_CAP", () => {
    expect(loadConfig({ MAX_TOKENS_CAP: "100" }).defaultMaxTokens).toBe(100);
    expect(() => loadConfig({ MAX_TOKENS_CAP: "100", DEFAULT_MAX_TOKENS: "200" })).toThrow(
      /DEFAULT_MAX_TOKENS/,
    );
  });
});

describe("SlotPool", () => {
  const never = new AbortController().signal;

  it("hands slots out first-in first-out and refuses a full queue with 429", async () => {
    const pool = new SlotPool(["a"], 2, () => 3);
    const first = await pool.acquire(never);
    const order: string[] = [];
    const w1 = pool.acquire(never).then((s) => order.push(`w1:${s}`));
    const w2 = pool.acquire(never).then((s) => order.push(`w2:${s}`));
    const err = await pool.acquire(never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 429, retryAfter: 3, code: "queue_full" });
    expect(pool.waiting).toBe(2);
    pool.release(first);
    await w1;
    pool.release("a");
    await w2;
    expect(order).toEqual(["w1:a", "w2:a"]);
  });

  it("lets the caller choose among the free items, offered least recently used first", async () => {
    const pool = new SlotPool(["a", "b", "c"], 0, () => 1);
    const x = await pool.acquire(never);
    expect(x).toBe("a");
    pool.release(x);
    const offered: string[][] = [];
    const chosen = await pool.acquire(never, (free) => {
      offered.push([...free]);
      return free.indexOf("a");
    });
    expect(offered).toEqual([["b", "c", "a"]]);
    expect(chosen).toBe("a");
    // An out-of-range choice falls back to the least recently used.
    expect(await pool.acquire(never, () => 7)).toBe("b");
  });

  it("drops an aborted waiter from the queue", async () => {
    const pool = new SlotPool(["a"], 5, () => 1);
    const held = await pool.acquire(never);
    const ctl = new AbortController();
    const waiting = pool.acquire(ctl.signal);
    expect(pool.waiting).toBe(1);
    ctl.abort(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    expect(pool.waiting).toBe(0);
    pool.release(held);
    expect(pool.running).toBe(0);
  });
});

describe("TenantRateLimiter", () => {
  it("limits requests per minute per tenant and refills over time", () => {
    let now = 0;
    const limited: string[] = [];
    const rl = new TenantRateLimiter(
      2,
      0,
      (t) => limited.push(t),
      () => now,
    );
    rl.admit("a");
    rl.admit("a");
    expect(() => rl.admit("a")).toThrow(expect.objectContaining({ status: 429, retryAfter: 30 }));
    rl.admit("b");
    now += 30_000;
    rl.admit("a");
    expect(limited).toEqual(["a"]);
  });

  it("charges tokens after the fact and blocks while the tenant is in debt", () => {
    let now = 0;
    const rl = new TenantRateLimiter(0, 600, undefined, () => now);
    rl.admit("a");
    rl.charge("a", 1200);
    expect(() => rl.admit("a")).toThrow(
      expect.objectContaining({ status: 429, code: "rate_limit_exceeded" }),
    );
    now += 61_000;
    expect(() => rl.admit("a")).not.toThrow();
  });
});

describe("API keys", () => {
  it("parses tenant:key lists and files and matches keys to tenants", () => {
    const entries = parseApiKeys("alpha:aaaaaaaaaaaaaaaa1,\n# comment\nbeta:bbbbbbbbbbbbbbbb2\n", "test");
    expect(entries.map((e) => e.tenant)).toEqual(["alpha", "beta"]);
    expect(matchApiKey(entries, "bbbbbbbbbbbbbbbb2")).toBe("beta");
    expect(matchApiKey(entries, "bbbbbbbbbbbbbbbb")).toBeUndefined();
  });

  it("rejects malformed entries and short keys", () => {
    expect(() => parseApiKeys("nokey", "API_KEYS")).toThrow(/API_KEYS: entry 1 must be "tenant:key"/);
    expect(() => parseApiKeys("t:short", "API_KEYS")).toThrow(/shorter than 16/);
  });
});
