import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Every file under dashboards/ (JSON dashboards and rule YAML), concatenated: what the cluster must feed. */
export function dashboardsText(dir = path.join(ROOT, "dashboards")): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((e) => {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) return e.name === "node_modules" ? "" : dashboardsText(file);
      return /\.(json|ya?ml)$/.test(e.name) ? readFileSync(file, "utf8") : "";
    })
    .join("\n");
}

/** One file below dashboards/, e.g. `rules/genai-inference.yaml`. */
export function dashboardsFile(relative: string): string {
  return readFileSync(path.join(ROOT, "dashboards", relative), "utf8");
}
