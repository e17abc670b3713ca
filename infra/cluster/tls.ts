import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

export interface SelfSignedArgs {
  readonly commonName: pulumi.Input<string>;
  readonly dnsNames: pulumi.Input<pulumi.Input<string>[]>;
  /** Validity. Default: one year (`pulumi up` after `earlyRenewalHours` renews it). */
  readonly validityHours?: number;
}

export interface KeyPair {
  readonly certPem: pulumi.Output<string>;
  /** Marked secret. */
  readonly privateKeyPem: pulumi.Output<string>;
}

/**
 * A self-signed ECDSA server certificate. Clients inside the platform pin it as their CA; it is renewed by the
 * next `pulumi up` a month before it expires.
 */
export function selfSignedServerCert(
  name: string,
  args: SelfSignedArgs,
  opts: pulumi.CustomResourceOptions,
): KeyPair {
  const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, opts);
  const cert = new tls.SelfSignedCert(
    `${name}-cert`,
    {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: args.commonName, organization: "genai-platform" },
      dnsNames: args.dnsNames,
      validityPeriodHours: args.validityHours ?? 24 * 365,
      earlyRenewalHours: 24 * 30,
      allowedUses: ["digital_signature", "key_encipherment", "server_auth", "cert_signing"],
      isCaCertificate: true,
    },
    opts,
  );
  return { certPem: cert.certPem, privateKeyPem: pulumi.secret(key.privateKeyPem) };
}
