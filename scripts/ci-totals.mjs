// Sums vitest JSON reports (given as arguments; missing files count as one failure each, so a suite
// that crashed before reporting cannot pass silently) and prints the `N passed, N failed` line CI reads.
import { existsSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`ci-totals: no report at ${file}: counting the suite as failed`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  if (report.success === false && (report.numFailedTests ?? 0) === 0) failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
