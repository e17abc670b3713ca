// infra/observability/dashboards.ts: the dashboards as Grafana sidecar ConfigMaps, and broken files.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readDashboards } from "../../../infra/observability/index.js";
import { at, CONFIGMAP } from "../support/fixtures.js";
import { runObservability as components } from "../support/observability.js";

const dashboardFiles = readDashboards();

describe("Dashboards", () => {
  it("labels the ConfigMaps for the sidecar, keeps extra labels and sets the folder", async () => {
    const resources = await components({
      dashboards: { namespace: "obs", folder: "LLM", labels: { team: "ml" } },
    });
    const maps = resources.filter((r) => r.type === CONFIGMAP);
    expect(maps).toHaveLength(dashboardFiles.length);
    for (const map of maps) {
      expect(at(map.inputs, "metadata", "labels")).toMatchObject({ grafana_dashboard: "1", team: "ml" });
      expect(at(map.inputs, "metadata", "annotations", "grafana_folder")).toBe("LLM");
      expect(at(map.inputs, "metadata", "namespace")).toBe("obs");
    }
  });

  it("names the file of a dashboard that is not valid JSON, and refuses an empty directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dash-"));
    await expect(components({ dashboards: { namespace: "n", directory: dir } })).rejects.toThrow(
      /no dashboard \*\.json file found/,
    );
    writeFileSync(join(dir, "bad.json"), "{ not json");
    await expect(components({ dashboards: { namespace: "n", directory: dir } })).rejects.toThrow(
      /bad\.json: not valid JSON/,
    );
  });
});
