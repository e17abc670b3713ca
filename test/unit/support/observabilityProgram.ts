// A stack program with only the observability components, for test/unit/observability/dashboards.test.ts (run
// by support/program.ts under mocks). `genai:observability` holds the args: { rules?: {...}, dashboards?: {...} }.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  AlertRules,
  type AlertRulesArgs,
  Dashboards,
  type DashboardsArgs,
} from "../../../infra/observability/index.js";

type Without<T> = Omit<T, "provider">;
const args = new pulumi.Config("genai").requireObject<{
  rules?: Without<AlertRulesArgs>;
  dashboards?: Without<DashboardsArgs>;
}>("observability");
const provider = new k8s.Provider("k8s", {});

export const ruleNames = args.rules
  ? new AlertRules("rules", { provider, ...args.rules }).ruleNames
  : undefined;
export const configMapNames = args.dashboards
  ? new Dashboards("dashboards", { provider, ...args.dashboards }).configMapNames
  : undefined;
