// Dashboards and Prometheus rules (the package's dashboards/ directory) as Kubernetes resources, and the readers
// that validate those files (the tests read them the same way).
export { AlertRules, type AlertRulesArgs, resolveRunbookUrl } from "./alertRules.js";
export { DASHBOARD_LABEL, Dashboards, type DashboardsArgs } from "./dashboards.js";
export {
  type AlertingRule,
  DASHBOARDS_DIR,
  type DashboardFile,
  isAlertingRule,
  ObservabilityFileError,
  readDashboards,
  readRuleFiles,
  type Rule,
  type RuleFile,
  type RuleGroup,
  RULES_DIR,
} from "./files.js";
