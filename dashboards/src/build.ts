/**
 * Writes the generated dashboards and SLO rules (`npm run dashboards:build`), or with `--check` exits 1
 * listing the files that differ from what the sources generate.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generatedFiles } from "./catalog.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const check = process.argv.includes("--check");
const stale: string[] = [];
for (const [path, content] of generatedFiles()) {
  const absolute = join(root, path);
  if (check) {
    let current = "";
    try {
      current = readFileSync(absolute, "utf8");
    } catch {
      // A missing file is stale like a changed one.
    }
    if (current !== content) stale.push(path);
  } else {
    writeFileSync(absolute, content);
    console.log(`wrote ${path}`);
  }
}
if (stale.length) {
  console.error(`out of date (run npm run dashboards:build): ${stale.join(", ")}`);
  process.exit(1);
}
