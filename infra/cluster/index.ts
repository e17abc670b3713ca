export * from "./charts.js";
export * from "./common.js";
export * from "./namespaces.js";
