/**
 * Regenerates the key tables of docs/config.md from the components' schemas and presets.
 *   npm run docs:config            rewrite the file
 *   npm run docs:config -- --check fail (exit 1) when the committed file is stale (CI runs this)
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG_DOC, renderConfigDoc } from "./configDoc.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const file = path.join(root, CONFIG_DOC);
const current = readFileSync(file, "utf8");
const expected = await renderConfigDoc(current, file);

if (process.argv.includes("--check")) {
  if (expected !== current) {
    console.error(`${CONFIG_DOC} is stale: run \`npm run docs:config\` and commit the result`);
    process.exit(1);
  }
  console.log(`${CONFIG_DOC} is up to date`);
} else if (expected !== current) {
  writeFileSync(file, expected);
  console.log(`${CONFIG_DOC} regenerated`);
} else {
  console.log(`${CONFIG_DOC} unchanged`);
}
