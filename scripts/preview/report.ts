// What one stack's preview produced, gathered from the engine's events (the CLI's --event-log).
import type { automation } from "@pulumi/pulumi";
import type { ProviderCheck } from "./versions.js";

export interface PreviewedResource {
  readonly urn: string;
  readonly type: string;
  readonly op: string;
}

export interface PolicyViolation {
  readonly policy: string;
  readonly level: "warning" | "mandatory";
  readonly message: string;
  readonly urn?: string;
}

export interface StackReport {
  readonly stack: string;
  readonly provider: ProviderCheck;
  /** Version of the Node.js language host that ran the program and the policy pack (scripts/tools/versions.env). */
  readonly languageHost: string;
  /** The Pulumi CLI commands the run made, in order, as a user would type them in the project copy. */
  readonly commands: readonly string[];
  /** Operation counts of `pulumi preview` (e.g. { create: 42 }). */
  readonly previewOps: automation.OpMap;
  /** The preview's text with the diff, as a user sees it. */
  readonly previewText: string;
  /** Every resource the preview stepped over, the stack and provider resources included. */
  readonly resources: readonly PreviewedResource[];
  /** Warnings the program, the engine or a provider emitted during the preview. */
  readonly warnings: readonly string[];
  readonly policyViolations: readonly PolicyViolation[];
  /** The policy packs the preview ran (`name|kind|location` to version, from its summary event). */
  readonly policyPacks: Readonly<Record<string, string>>;
  readonly upResult: string;
  readonly upOps: automation.OpMap;
  /** Stack outputs after the render-mode `up`, secrets masked. */
  readonly outputs: Record<string, unknown>;
  /** Where the provider wrote the manifests (`0-crd/` and `1-manifest/`). */
  readonly manifestsDir: string;
  /** Config keys given a preview-only value because the stack file lacks them (scripts/preview/stack.ts). */
  readonly substitutedConfig: readonly string[];
  /** Providers served by scripts/preview/standins instead of the real plugin. */
  readonly standInProviders: readonly string[];
}

/** The resources, warnings and policy findings in a run's engine events. */
export function collectEvents(events: readonly automation.EngineEvent[]) {
  const resources = new Map<string, PreviewedResource>();
  const warnings: string[] = [];
  const violations: PolicyViolation[] = [];
  for (const event of events) {
    const step = event.resourcePreEvent?.metadata;
    if (step) resources.set(step.urn, { urn: step.urn, type: step.type, op: step.op });
    const diag = event.diagnosticEvent;
    if (diag?.severity === "warning") warnings.push(`${diag.urn ?? ""} ${diag.message.trim()}`.trim());
    const policy = event.policyEvent;
    if (policy) {
      violations.push({
        policy: policy.policyName,
        level: policy.enforcementLevel,
        message: policy.message.trim(),
        ...(policy.resourceUrn ? { urn: policy.resourceUrn } : {}),
      });
    }
  }
  return { resources: [...resources.values()], warnings, policyViolations: violations };
}
