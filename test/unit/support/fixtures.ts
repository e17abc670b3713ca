/** Secret config a prod stack needs (backups are on in prod); the values are fakes. */
export const PROD_SECRETS = {
  backupsCredentials: { accessKeyId: "AKIAFAKE", secretAccessKey: "fake-secret-key" },
};

/** The value at `keys` below `value` (objects and arrays), or undefined. */
export function at(value: unknown, ...keys: (string | number)[]): unknown {
  let current: unknown = value;
  for (const key of keys) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Resource types of the Kubernetes resources Helm installs. */
export const RELEASE = "kubernetes:helm.sh/v3:Release";
export const CHART = "kubernetes:helm.sh/v4:Chart";
/** The chart type of render-only mode (genai:kubernetes.renderYamlToDirectory), named by its release name. */
export const RENDERED_CHART = "kubernetes:helm.sh/v3:Chart";
