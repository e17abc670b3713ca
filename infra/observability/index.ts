// Dashboards and Prometheus rules of dashboards/ as Kubernetes resources.
export * from "./alertRules.js";
export * from "./dashboards.js";
export * from "./files.js";
