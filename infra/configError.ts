import type { z } from "zod";

/**
 * A stack configuration error. The message names the full key (`genai:inference.replicas.min`) and what is
 * allowed, so `pulumi preview` fails with something a platform engineer can act on.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Turns a zod error for config key `key` (e.g. "genai:inference") into one ConfigError listing every issue. */
export function configErrorFromZod(key: string, error: z.ZodError): ConfigError {
  const lines = error.issues.map((issue) => {
    const path = [key, ...issue.path.map(String)].join(".");
    return `  ${path}: ${describeIssue(issue)}`;
  });
  return new ConfigError(`invalid stack configuration:\n${lines.join("\n")}`);
}

/** What one zod issue means, with the allowed values where zod knows them (shared by config and Args errors). */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_value":
      return `got an unsupported value; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return `unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    default:
      return issue.message;
  }
}
