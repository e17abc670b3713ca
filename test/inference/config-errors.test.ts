// A bad credential configuration stops the real server at start-up as docs/inference.md promises: one
// `configuration error: ...` line naming the variable, no stack trace, exit code 2, and no secret echoed.
import { describe, expect, it } from "vitest";
import { serverProcess } from "./support/server.js";

async function exitOf(env: Record<string, string>) {
  const { child, logs, exited } = serverProcess(env);
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const code = await exited;
  clearTimeout(timer);
  return { code, output: logs.join("\n") };
}

describe("configuration errors exit 2 with one clear line", () => {
  it.each([
    [{ API_KEYS: "no-separator" }, /configuration error: API_KEYS: entry 1 must be "tenant:key"/],
    [
      { API_KEYS: "alpha:short-key" },
      /configuration error: API_KEYS: the key of tenant alpha is shorter than 16/,
    ],
    [
      { API_KEYS: "", API_KEYS_FILE: "/nonexistent/api-keys" },
      /configuration error: API_KEYS_FILE=\/nonexistent\/api-keys cannot be read/,
    ],
    [
      { JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----" },
      /configuration error: JWT_PUBLIC_KEY is not an RS256 SPKI PEM/,
    ],
    [
      { JWT_SECRET_FILE: "/nonexistent/jwt" },
      /configuration error: JWT_SECRET_FILE=\/nonexistent\/jwt cannot be read/,
    ],
    [{ MAX_MESSAGES: "0" }, /configuration error: invalid MAX_MESSAGES="0": expected an integer from 1/],
  ])("%o", async (env, message) => {
    const { code, output } = await exitOf(env);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toContain("short-key");
    expect(code).toBe(2);
  });
});
