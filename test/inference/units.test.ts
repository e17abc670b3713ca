// Unit tests of the server's pure parts (no model): config parsing, the FIFO slot pool, the rate limiter,
// API-key parsing and matching, the serial prompt-preparation line and the tenant metric label.
import { describe, expect, it } from "vitest";
import { matchApiKey, parseApiKeys } from "../../inference/src/auth/keys.js";
import { TenantRateLimiter } from "../../inference/src/auth/rate-limit.js";
import { OTHER_TENANT, TenantLabels } from "../../inference/src/auth/tenant-labels.js";
import { ConfigError, loadConfig } from "../../inference/src/config.js";
import { SlotPool } from "../../inference/src/engine/slots.js";
import { ApiError } from "../../inference/src/errors.js";
import { Lifecycle } from "../../inference/src/lifecycle.js";
import { SerialWork } from "../../inference/src/serial-work.js";

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

describe("SerialWork", () => {
  const never = new AbortController().signal;

  it("runs jobs one at a time in arrival order and refuses a full waiting line with 429", async () => {
    const work = new SerialWork(2);
    const order: number[] = [];
    const a = work.run(() => order.push(1), never);
    const b = work.run(() => order.push(2), never);
    await expect(work.run(() => order.push(3), never)).rejects.toMatchObject({
      status: 429,
      code: "queue_full",
    });
    await Promise.all([a, b]);
    expect(order).toEqual([1, 2]);
    expect(work.waiting).toBe(0);
  });

  it("skips a job whose signal aborted while it waited, and a failed job does not block the next", async () => {
    const work = new SerialWork(4);
    const gone = new AbortController();
    const failing = work.run(() => {
      throw new Error("boom");
    }, never);
    const skipped = work.run(() => "ran", gone.signal);
    gone.abort(new Error("client left"));
    await expect(failing).rejects.toThrow("boom");
    await expect(skipped).rejects.toThrow("client left");
    await expect(work.run(() => "next", never)).resolves.toBe("next");
  });
});

describe("TenantLabels", () => {
  it("keeps API-key tenants and the first N others, and counts the rest as other", () => {
    const labels = new TenantLabels(["alpha", "beta"], 1);
    expect(["alpha", "jwt-1", "jwt-2", "beta", "jwt-1", "jwt-3"].map((t) => labels.of(t))).toEqual([
      "alpha",
      "jwt-1",
      OTHER_TENANT,
      "beta",
      "jwt-1",
      OTHER_TENANT,
    ]);
  });
});

describe("TenantRateLimiter buckets", () => {
  it("sweeps full buckets, so endless distinct tenants do not grow memory", () => {
    let now = 0;
    const rl = new TenantRateLimiter(60, 0, undefined, () => now);
    for (let i = 0; i < 25_000; i++) {
      rl.admit(`t${i}`);
      now += 10; // 10 ms apart: at 60/min every bucket is full again a second later
    }
    expect(rl.trackedTenants).toBeLessThanOrEqual(10_000);
  });
});

describe("Lifecycle grace expiry", () => {
  it("stops the requests still registered with 503 shutting_down, and late ones at once", () => {
    const lifecycle = new Lifecycle();
    const stopped: string[] = [];
    lifecycle.whenGraceOver(() => stopped.push("running"));
    const done = lifecycle.whenGraceOver(() => stopped.push("finished before"));
    done();
    lifecycle.expire();
    lifecycle.whenGraceOver((reason) => stopped.push(`late ${reason.status} ${reason.code}`));
    expect(stopped).toEqual(["running", "late 503 shutting_down"]);
  });
});
