// Prints the latest benchmark (docs/bench/serving.json, or the file given) as the markdown tables that
// docs/inference.md shows: `npx tsx inference/bench/markdown.ts [serving.json]`.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { REPO_ROOT } from "../../test/inference/support/server.js";
import {
  markdownTable,
  RATIO_HEADER,
  ratioCells,
  RESULT_HEADER,
  resultCells,
  type RatioRow,
  type ResultRow,
} from "./report.js";

// JSON has no NaN: a missing figure was written as null; the cell helpers print it as "-" / "n/a".
const revive = (row: ResultRow): ResultRow => {
  const out = { ...row };
  for (const k of ["tokPerS", "ttftP50", "ttftP99", "itlP50"] as const)
    out[k] = (row[k] as number | null) ?? Number.NaN;
  return out;
};

const file = process.argv[2] ?? resolve(REPO_ROOT, "docs/bench/serving.json");
const report = JSON.parse(readFileSync(file, "utf8")) as {
  command: string;
  generatedAt: string;
  status?: string;
  results: ResultRow[];
  ratios: RatioRow[];
};
console.log(`\`${report.command}\` (${report.generatedAt}, ${report.status ?? "complete"}):\n`);
console.log(markdownTable(RESULT_HEADER, resultCells(report.results.map(revive))));
console.log();
console.log(markdownTable(RATIO_HEADER, ratioCells(report.ratios)));
