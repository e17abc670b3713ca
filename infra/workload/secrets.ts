import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { commonLabels } from "./labels.js";

export interface ApiKeys {
  /** The Secret the server reads its keys from. */
  readonly secret: k8s.core.v1.Secret;
  /** Key in that Secret holding `tenant:key` pairs, comma-separated. */
  readonly secretKey: string;
  /** tenant -> key, marked secret. */
  readonly keys: pulumi.Output<Record<string, string>>;
}

export const API_KEYS_SECRET_KEY = "api-keys";

/**
 * One generated key per tenant (@pulumi/random keeps it stable across updates) in one Secret; the keys leave the
 * program only as Pulumi secrets.
 */
export function createApiKeys(
  name: string,
  namespace: pulumi.Input<string>,
  tenants: readonly string[],
  length: number,
  opts: pulumi.CustomResourceOptions,
): ApiKeys {
  // Not the Kubernetes provider: the Node SDK sends a custom resource's `provider` whatever its package, and the
  // real engine then asks the Kubernetes plugin for a random type, which it rejects (mocks do not notice).
  const { provider: _kubernetes, ...randomOpts } = opts;
  const entries = tenants.map((tenant) => {
    // Alphanumeric only: keys travel in `Authorization: Bearer` headers and in a comma-separated list.
    const password = new random.RandomPassword(
      `${name}-apikey-${tenant}`,
      { length, special: false },
      randomOpts,
    );
    return pulumi.all([tenant, password.result]);
  });
  const keys = pulumi.secret(pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs)));
  const secret = new k8s.core.v1.Secret(
    `${name}-api-keys`,
    {
      metadata: { name: `${name}-api-keys`, namespace, labels: commonLabels(name) },
      type: "Opaque",
      stringData: {
        [API_KEYS_SECRET_KEY]: keys.apply((k) =>
          Object.entries(k)
            .map(([tenant, key]) => `${tenant}:${key}`)
            .join(","),
        ),
      },
    },
    opts,
  );
  return { secret, secretKey: API_KEYS_SECRET_KEY, keys };
}

/** A `kubernetes.io/dockerconfigjson` Secret so nodes can pull from a registry that needs credentials. */
export function createPullSecret(
  name: string,
  namespace: pulumi.Input<string>,
  registry: string,
  username: string,
  password: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  const dockerConfig = pulumi.secret(
    pulumi.output(password).apply((pw) =>
      JSON.stringify({
        auths: {
          [registry]: { username, password: pw, auth: Buffer.from(`${username}:${pw}`).toString("base64") },
        },
      }),
    ),
  );
  return new k8s.core.v1.Secret(
    `${name}-pull`,
    {
      metadata: { name: `${name}-pull`, namespace, labels: commonLabels(name) },
      type: "kubernetes.io/dockerconfigjson",
      stringData: { ".dockerconfigjson": dockerConfig },
    },
    opts,
  );
}
