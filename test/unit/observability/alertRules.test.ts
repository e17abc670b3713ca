// infra/observability/alertRules.ts: the rule files as PrometheusRules, their runbook links and broken files.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRuleFiles, resolveRunbookUrl } from "../../../infra/observability/index.js";
import { at, PROMETHEUS_RULE } from "../support/fixtures.js";
import { runObservability as components } from "../support/observability.js";

const ruleFiles = readRuleFiles();

describe("AlertRules", () => {
  it("resolves repository-relative runbook links against runbookBaseUrl and adds the selector labels", async () => {
    const resources = await components({
      rules: {
        namespace: "genai",
        labels: { release: "kps" },
        runbookBaseUrl: "https://git.example.com/genai/-/blob/main/",
      },
    });
    const rules = resources.filter((r) => r.type === PROMETHEUS_RULE);
    expect(rules).toHaveLength(ruleFiles.length);
    const urls = rules.flatMap((r) =>
      (at(r.inputs, "spec", "groups") as { rules: { annotations?: { runbook_url?: string } }[] }[]).flatMap(
        (g) => g.rules.flatMap((rule) => rule.annotations?.runbook_url ?? []),
      ),
    );
    expect(urls.length).toBeGreaterThan(20);
    for (const url of urls) {
      expect(url).toMatch(/^https:\/\/git\.example\.com\/genai\/-\/blob\/main\/docs\/runbooks\.md#\w+$/);
    }
    for (const r of rules) expect(at(r.inputs, "metadata", "labels", "release")).toBe("kps");
  });

  it("keeps absolute runbook links and links without a base", () => {
    expect(resolveRunbookUrl("https://wiki/x", "https://git/y")).toBe("https://wiki/x");
    expect(resolveRunbookUrl("docs/runbooks.md#a", undefined)).toBe("docs/runbooks.md#a");
    expect(resolveRunbookUrl("docs/runbooks.md#a", "https://git/repo/")).toBe(
      "https://git/repo/docs/runbooks.md#a",
    );
  });

  it("rejects a runbookBaseUrl that is not http(s)", async () => {
    await expect(
      components({ rules: { namespace: "genai", runbookBaseUrl: "git.example.com" } }),
    ).rejects.toThrow(/runbookBaseUrl: must be an http\(s\) URL/);
  });

  it("names the file of a rule file that is not in Prometheus' format", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rules-"));
    writeFileSync(join(dir, "broken.yaml"), "groups:\n  - name: x\n    rules:\n      - expr: up\n");
    await expect(components({ rules: { namespace: "n", directory: dir } })).rejects.toThrow(
      /broken\.yaml: not a Prometheus rule file/,
    );
    // A `for` the PrometheusRule CRD would reject at apply time fails at preview already.
    const slow = mkdtempSync(join(tmpdir(), "rules-"));
    writeFileSync(
      join(slow, "slow.yaml"),
      "groups:\n  - name: x\n    rules:\n      - alert: A\n        expr: up\n        for: 5 minutes\n",
    );
    await expect(components({ rules: { namespace: "n", directory: slow } })).rejects.toThrow(
      /slow\.yaml: .*groups\.0\.rules\.0.*/,
    );
  });
});
