import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../cluster/common.js";
import {
  isAlertingRule,
  ObservabilityFileError,
  readRuleFiles,
  RULES_DIR,
  type Rule,
  type RuleGroup,
} from "./files.js";

export interface AlertRulesArgs {
  /** The Kubernetes provider of the PrometheusRules. Required. */
  readonly provider: k8s.Provider;
  /** Namespace of the PrometheusRules (the workload's). Required. */
  readonly namespace: pulumi.Input<string>;
  /** Directory holding the Prometheus `*.yaml` rule files, read at program time. Default: `dashboards/rules/`. */
  readonly directory?: string;
  /**
   * Labels the Prometheus `ruleSelector` matches, e.g. `{ release: "kps" }` for a kube-prometheus-stack release
   * that selects only its own rules. Default: none (the platform's Prometheus selects every PrometheusRule).
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Base URL that relative `runbook_url` annotations (`docs/runbooks.md#...`) are resolved against, e.g. the
   * repository's web URL at a branch. Default: none (links stay repository-relative).
   */
  readonly runbookBaseUrl?: string;
  /** Resources the rules wait for: the chart that installs the PrometheusRule CRD. Default: none. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Resolves a repository-relative runbook link against `base`; absolute links are kept. */
export function resolveRunbookUrl(url: string, base: string | undefined): string {
  if (!base || /^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  return `${base.replace(/\/+$/, "")}/${url.replace(/^\/+/, "")}`;
}

function withRunbookBase(groups: readonly RuleGroup[], base: string | undefined): RuleGroup[] {
  return groups.map((group) => ({
    ...group,
    rules: group.rules.map((rule): Rule => {
      if (!isAlertingRule(rule) || !rule.annotations?.runbook_url) return rule;
      return {
        ...rule,
        annotations: {
          ...rule.annotations,
          runbook_url: resolveRunbookUrl(rule.annotations.runbook_url, base),
        },
      };
    }),
  }));
}

/**
 * The recording and alerting rules of `dashboards/rules/*.yaml` as monitoring.coreos.com/v1 PrometheusRules, one
 * per file, so prometheus-operator loads exactly what `promtool test rules` tested.
 */
export class AlertRules extends pulumi.ComponentResource {
  /** PrometheusRule names, by rule file name (e.g. "genai-slo"). */
  public readonly ruleNames: Record<string, pulumi.Output<string>>;
  /** Every alert name deployed. */
  public readonly alerts: readonly string[];

  constructor(name: string, args: AlertRulesArgs, opts?: pulumi.ComponentResourceOptions) {
    // Read and check every file before registering anything: a bad file fails the program, not half of it.
    const directory = args.directory ?? RULES_DIR;
    const files = readRuleFiles(directory);
    if (files.length === 0) throw new ObservabilityFileError(directory, "no rule *.yaml file found");
    if (args.runbookBaseUrl !== undefined && !/^https?:\/\//.test(args.runbookBaseUrl)) {
      throw new ObservabilityFileError(
        "runbookBaseUrl",
        `must be an http(s) URL, got "${args.runbookBaseUrl}"`,
      );
    }
    super("genai:observability:AlertRules", name, {}, opts);
    this.ruleNames = {};
    const alerts: string[] = [];
    for (const file of files) {
      const rule = new k8s.apiextensions.CustomResource(
        `${name}-${file.name}`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: {
            name: file.name,
            namespace: args.namespace,
            labels: { ...args.labels, "app.kubernetes.io/part-of": "genai-platform" },
          },
          spec: { groups: withRunbookBase(file.groups, args.runbookBaseUrl) },
        },
        childOptions(this, args.provider, args.dependsOn),
      );
      this.ruleNames[file.name] = rule.metadata.name;
      for (const group of file.groups)
        for (const r of group.rules) if (isAlertingRule(r)) alerts.push(r.alert);
    }
    this.alerts = alerts;
    this.registerOutputs({ ruleNames: this.ruleNames, alerts: this.alerts });
  }
}
