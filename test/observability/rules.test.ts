/**
 * The Prometheus rules of dashboards/rules/: promtool accepts them, their promtool unit tests pass, every
 * alert is tested both firing and silent, and every alert is routable (severity) and actionable (runbook).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { generatedFiles } from "../../dashboards/src/catalog.js";
import {
  isAlertingRule,
  readRuleFiles,
  RULES_DIR,
  type AlertingRule,
} from "../../infra/observability/files.js";
import { promtool } from "./support/promtool.js";

const ROOT = join(RULES_DIR, "..", "..");
const TESTS_DIR = join(RULES_DIR, "tests");
const ruleFiles = readRuleFiles();
const ruleFilePaths = ruleFiles.map((file) => file.path);
const testFiles = readdirSync(TESTS_DIR)
  .filter((file) => file.endsWith(".test.yaml"))
  .sort()
  .map((file) => join(TESTS_DIR, file));
const alerts: AlertingRule[] = ruleFiles.flatMap((file) =>
  file.groups.flatMap((g) => g.rules.filter(isAlertingRule)),
);

interface PromtoolTestFile {
  rule_files: string[];
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}
const unitTests = testFiles.map((path) => ({
  path,
  content: parseYaml(readFileSync(path, "utf8")) as PromtoolTestFile,
}));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const headings = [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => m[1] ?? "");
  return new Set(
    headings.map((h) =>
      h
        .trim()
        .toLowerCase()
        .replace(/[^\w\s-]/g, "")
        .replace(/\s+/g, "-"),
    ),
  );
}

describe("Prometheus rules", () => {
  it("the generated SLO rules and dashboards are up to date with dashboards/src", () => {
    for (const [path, content] of generatedFiles()) {
      expect(readFileSync(join(ROOT, path), "utf8"), `${path} is stale: run npm run dashboards:build`).toBe(
        content,
      );
    }
  });

  it("promtool check rules accepts every rule file", () => {
    expect(ruleFilePaths.length).toBeGreaterThanOrEqual(4);
    const result = promtool(["check", "rules", ...ruleFilePaths]);
    expect(result.status, result.output).toBe(0);
  });

  it("promtool test rules passes every unit test file", () => {
    const result = promtool(["test", "rules", ...testFiles]);
    expect(result.status, result.output).toBe(0);
    expect(result.output.match(/SUCCESS/g)?.length, result.output).toBe(testFiles.length);
  });

  it("every rule file is loaded by some promtool test", () => {
    const loaded = new Set(unitTests.flatMap((t) => t.content.rule_files.map((f) => join(TESTS_DIR, f))));
    expect(ruleFilePaths.filter((path) => !loaded.has(path))).toEqual([]);
  });

  it("every alert is tested firing and staying silent", () => {
    const cases = unitTests.flatMap((t) => t.content.tests.flatMap((test) => test.alert_rule_test ?? []));
    const fires = new Set(cases.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
    const silent = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
    const names = alerts.map((alert) => alert.alert);
    expect(
      names.filter((name) => !fires.has(name)),
      "alerts never tested firing",
    ).toEqual([]);
    expect(
      names.filter((name) => !silent.has(name)),
      "alerts never tested silent",
    ).toEqual([]);
    // A test of a name that no rule defines is a typo.
    expect([...fires, ...silent].filter((name) => !names.includes(name))).toEqual([]);
  });

  it("alert names are unique", () => {
    const names = alerts.map((alert) => alert.alert);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it("every alert has a severity Alertmanager routes and a summary", () => {
    for (const alert of alerts) {
      expect(["critical", "warning", "info"], alert.alert).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      expect(alert.annotations?.description, alert.alert).toBeTruthy();
    }
    const severities = new Set(alerts.map((alert) => alert.labels?.severity));
    expect([...severities].sort()).toEqual(["critical", "info", "warning"]);
  });

  it("every alert links a runbook section that exists in docs/runbooks.md", () => {
    const runbook = anchors(readFileSync(join(ROOT, "docs", "runbooks.md"), "utf8"));
    for (const alert of alerts) {
      const url = alert.annotations?.runbook_url ?? "";
      const match = /^docs\/runbooks\.md#([\w-]+)$/.exec(url);
      expect(match, `${alert.alert}: runbook_url "${url}"`).not.toBeNull();
      expect(runbook.has(match?.[1] ?? ""), `${alert.alert}: no heading for #${match?.[1]}`).toBe(true);
    }
  });
});
