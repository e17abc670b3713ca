// infra/shared/validators.ts: the validators every config schema shares (one definition each).
import { describe, expect, it } from "vitest";
import {
  cron,
  dnsLabel,
  goDuration,
  hostname,
  hostnameOrAny,
  quantity,
} from "../../../infra/shared/validators.js";

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: string) =>
  schema.safeParse(value).success;

describe("hostname", () => {
  it("accepts hostnames with an optional leading wildcard label, refuses the rest", () => {
    for (const h of ["genai.example.internal", "localhost", "*.example.com", "a-1.b"])
      expect(ok(hostname, h), h).toBe(true);
    for (const h of ["*", "Genai.example", "-a.example", "a..b", "a.*.b", "genai.example."]) {
      expect(ok(hostname, h), h).toBe(false);
    }
  });

  it("a gateway host is the same pattern, or * for any host", () => {
    expect(ok(hostnameOrAny, "*")).toBe(true);
    expect(ok(hostnameOrAny, "*.example.com")).toBe(true);
    expect(hostnameOrAny.safeParse("Not A Host").error?.issues[0]?.message).toBe("expected a hostname or *");
  });
});

describe("the other shared validators", () => {
  it("quantities, DNS labels, Go durations and cron expressions", () => {
    expect(["500m", "2", "1.5", "16Gi"].every((q) => ok(quantity, q))).toBe(true);
    expect(ok(quantity, "2 GB")).toBe(false);
    expect(ok(dnsLabel, "genai-gateway-tls")).toBe(true);
    expect(ok(dnsLabel, "Genai_TLS")).toBe(false);
    expect(ok(goDuration, "72h30m")).toBe(true);
    expect(ok(goDuration, "3 days")).toBe(false);
    expect(ok(cron, "0 */4 * * *")).toBe(true);
    expect(ok(cron, "@hourly")).toBe(false);
  });
});
