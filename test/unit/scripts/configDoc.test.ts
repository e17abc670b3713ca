// scripts/docs/configDoc.ts: docs/config.md's key tables come from the components' schemas and presets.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CLUSTER_CONFIGS } from "../../../infra/config.js";
import {
  clusterKeyRows,
  CONFIG_DOC,
  generatedRegions,
  renderConfigDoc,
} from "../../../scripts/docs/configDoc.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const committed = readFileSync(path.join(ROOT, CONFIG_DOC), "utf8");

describe("docs/config.md", () => {
  it("is what `npm run docs:config` generates (the CI check)", async () => {
    expect(await renderConfigDoc(committed, path.join(ROOT, CONFIG_DOC))).toBe(committed);
  });

  it("lists every key with its dev, prod and ci value, straight from the presets", () => {
    const rows = clusterKeyRows();
    const replicas = rows.find((r) => r.key === "monitoring.prometheus.replicas");
    expect(replicas?.values).toEqual({ dev: 1, prod: 2, ci: 1 });
    const enabled = rows.find((r) => r.key === "gpuOperator.enabled");
    expect(enabled?.values).toEqual({ dev: false, prod: true, ci: false });
    const table = generatedRegions()["cluster-keys"] ?? "";
    expect(table).toContain('| `tracing.storage` | "memory" | "elasticsearch" | "memory" |');
    // One row per leaf key of every component's schema.
    expect(new Set(rows.map((r) => r.key.split(".")[0]))).toEqual(new Set(Object.keys(CLUSTER_CONFIGS)));
  });

  it("lists the optional keys without a default with their meaning", () => {
    const table = generatedRegions()["optional-keys"] ?? "";
    expect(table).toContain("| `backups.s3.bucket` | bucket of the backup location;");
    expect(table).not.toContain("`monitoring.prometheus.replicas`");
  });

  it("refuses a file whose generated regions lost their markers", async () => {
    await expect(renderConfigDoc("# no markers\n")).rejects.toThrow(
      /markers of the generated region "cluster-keys"/,
    );
  });
});
