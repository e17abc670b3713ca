/* global module */
// The pack's entry for the Node.js language host, which runs a policy-pack directory by require()-ing its `main`.
// The host (3.260) puts PulumiPolicy.yaml's `nodeargs` after its runner script, so `--import tsx` never reaches node
// and index.ts (TypeScript ESM) would load without tsx; this registers tsx, then loads the pack (docs/engine.md).
module.exports = import("tsx/esm/api").then(({ register }) => {
  register();
  return import("./index.ts");
});
