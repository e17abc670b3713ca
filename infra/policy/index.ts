// The platform's policy pack: `pulumi preview --policy-pack infra/policy`. The rules live in checks.ts so the unit
// tests run the very same code over every resource of both stacks.
import {
  PolicyPack,
  type ReportViolation,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import {
  type CheckedResource,
  checkCoverage,
  checkResource,
  isChartRendered,
  RULES,
  type RuleName,
  type Violation,
} from "./checks.js";

const PER_RESOURCE: RuleName[] = [
  "restricted-security-context",
  "requests-and-limits",
  "pinned-images",
  "probes",
  "no-plain-secrets",
];
const COVERAGE: RuleName[] = ["pdb-per-deployment", "networkpolicy-per-deployment"];

function report(violations: Violation[], rule: RuleName, reportViolation: ReportViolation): void {
  for (const v of violations.filter((x) => x.rule === rule)) reportViolation(v.message, v.urn);
}

const resourcePolicies: ResourceValidationPolicy[] = PER_RESOURCE.map((rule) => ({
  name: rule,
  description: RULES[rule],
  validateResource: (args, reportViolation) => {
    if (isChartRendered(args.urn)) return;
    const resource: CheckedResource = { type: args.type, urn: args.urn, props: args.props };
    report(checkResource(resource), rule, reportViolation);
  },
}));

const stackPolicies: StackValidationPolicy[] = COVERAGE.map((rule) => ({
  name: rule,
  description: RULES[rule],
  validateStack: (args, reportViolation) => {
    const resources = args.resources
      .filter((r) => !isChartRendered(r.urn))
      .map((r): CheckedResource => ({ type: r.type, urn: r.urn, props: r.props }));
    report(checkCoverage(resources), rule, reportViolation);
  },
}));

new PolicyPack("genai-platform", {
  enforcementLevel: "mandatory",
  policies: [...resourcePolicies, ...stackPolicies],
});
