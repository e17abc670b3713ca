/**
 * The dashboards are valid for current Grafana: schema version, unique panel ids and uids, a Prometheus
 * datasource variable that every panel and query uses, the namespace/model/track variables, a sane grid,
 * and queries that only use variables the dashboard defines.
 */
import { describe, expect, it } from "vitest";
import { readDashboards } from "../../infra/observability/files.js";

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  repeat?: string;
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: unknown;
  datasource?: { type?: string; uid?: string };
  includeAll?: boolean;
  allValue?: string;
}

const DATASOURCE_REF = { type: "prometheus", uid: "${datasource}" };
/** Grafana's built-in variables a query may use. */
const BUILTINS = new Set(["__rate_interval", "__interval", "__range", "__range_s", "__interval_ms"]);
const dashboards = readDashboards();

describe.each(dashboards.map((d) => [d.name, d] as const))("dashboard %s", (_name, dashboard) => {
  const model = dashboard.model as {
    schemaVersion: number;
    panels: Panel[];
    templating?: { list?: Variable[] };
    time?: { from?: string; to?: string };
  };
  const panels = model.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const dataPanels = panels.filter((p) => p.type !== "row");
  const variables = model.templating?.list ?? [];

  it("uses a current schema version", () => {
    expect(model.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(model.time?.from).toMatch(/^now-/);
  });

  it("has unique panel ids", () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
  });

  it("has a Prometheus datasource variable and namespace/model/track variables on it", () => {
    const datasource = variables.find((v) => v.name === "datasource");
    expect(datasource).toMatchObject({ type: "datasource", query: "prometheus" });
    for (const name of ["namespace", "model", "track"]) {
      const variable = variables.find((v) => v.name === name);
      expect(variable, name).toMatchObject({
        type: "query",
        datasource: DATASOURCE_REF,
        includeAll: true,
        allValue: ".*",
      });
    }
  });

  it("points every panel and query at the datasource variable", () => {
    expect(dataPanels.length).toBeGreaterThan(3);
    for (const panel of dataPanels) {
      expect(panel.datasource, panel.title).toEqual(DATASOURCE_REF);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.datasource, panel.title).toEqual(DATASOURCE_REF);
        expect(target.expr?.trim(), panel.title).toBeTruthy();
      }
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, `${panel.title}: duplicate refId`).toBe(refIds.length);
    }
  });

  it("lays panels out on the 24-column grid without overlaps", () => {
    const cells = new Set<string>();
    for (const panel of panels) {
      const pos = panel.gridPos;
      expect(pos, panel.title).toBeDefined();
      if (!pos) continue;
      expect(pos.x + pos.w, panel.title).toBeLessThanOrEqual(24);
      for (let x = pos.x; x < pos.x + pos.w; x++) {
        for (let y = pos.y; y < pos.y + pos.h; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell), `${panel.title} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
    }
  });

  it("uses only variables it defines (and repeats over one)", () => {
    const defined = new Set(variables.map((v) => v.name));
    for (const panel of dataPanels) {
      if (panel.repeat) {
        expect(defined.has(panel.repeat), panel.title).toBe(true);
        // Grafana splits a horizontally repeated panel's row between the copies: it must own the row.
        expect(panel.gridPos?.w, panel.title).toBe(24);
      }
      const texts = [panel.title ?? "", ...(panel.targets ?? []).map((t) => t.expr ?? "")];
      for (const text of texts) {
        for (const match of text.matchAll(/\$\{?([a-zA-Z_][a-zA-Z0-9_]*)\}?/g)) {
          const name = match[1] ?? "";
          expect(defined.has(name) || BUILTINS.has(name), `${panel.title}: $${name}`).toBe(true);
        }
      }
    }
  });
});

describe("dashboard set", () => {
  it("has the four dashboards with unique uids and titles", () => {
    expect(dashboards.map((d) => d.name).sort()).toEqual([
      "gpu",
      "inference-overview",
      "slo",
      "tenants-cost",
    ]);
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length);
    expect(new Set(dashboards.map((d) => d.title)).size).toBe(dashboards.length);
  });
});
