// Stand-in for pulumi-resource-tls in the preview only: the real provider (Terraform-bridged) cannot be built from
// the Go module proxy reachable here (docs/engine.md). It serves the two types the platform uses with the real
// provider's input names: tls:index/privateKey:PrivateKey (RSA and ECDSA keys from node:crypto; outputs
// privateKeyPem, privateKeyPemPkcs8, publicKeyPem) and tls:index/selfSignedCert:SelfSignedCert (made by the
// openssl CLI; validity rounded up to whole days). Not provided: OpenSSH encodings and fingerprints, ED25519.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { provider } from "@pulumi/pulumi";
import { npmVersion } from "../versions.js";
import { replaceOnChange, serveStandIn, typeOfUrn, unwrapSecrets } from "./serve.js";

const KEY = "tls:index/privateKey:PrivateKey";
const CERT = "tls:index/selfSignedCert:SelfSignedCert";
/** Output properties per type (everything else in the state is an input). */
const OUTPUTS: Record<string, string[]> = {
  [KEY]: ["privateKeyPem", "privateKeyPemPkcs8", "publicKeyPem"],
  [CERT]: ["certPem", "validityStartTime", "validityEndTime", "readyForRenewal"],
};
const CURVES: Record<string, string> = {
  P224: "secp224r1",
  P256: "prime256v1",
  P384: "secp384r1",
  P521: "secp521r1",
};

type Props = Record<string, unknown>;

export function checkKey(news: Props): provider.CheckResult {
  const inputs: Props = { rsaBits: 2048, ecdsaCurve: "P224", ...news };
  const failures: provider.CheckFailure[] = [];
  if (inputs.algorithm !== "RSA" && inputs.algorithm !== "ECDSA") {
    failures.push({
      property: "algorithm",
      reason: `the stand-in makes RSA and ECDSA keys, not ${String(inputs.algorithm)}`,
    });
  }
  if (inputs.algorithm === "ECDSA" && !CURVES[String(inputs.ecdsaCurve)]) {
    failures.push({ property: "ecdsaCurve", reason: `unknown curve ${String(inputs.ecdsaCurve)}` });
  }
  return { inputs, failures };
}

/** The outputs of a new key (the inputs are not repeated). */
export function createKey(inputs: Props): Props {
  const pair =
    inputs.algorithm === "RSA"
      ? generateKeyPairSync("rsa", { modulusLength: Number(inputs.rsaBits) })
      : generateKeyPairSync("ec", { namedCurve: CURVES[String(inputs.ecdsaCurve)] ?? "" });
  // Like the real provider: PKCS#1 for RSA and SEC 1 for ECDSA in privateKeyPem, PKCS#8 beside it.
  const traditional = inputs.algorithm === "RSA" ? "pkcs1" : "sec1";
  return {
    privateKeyPem: pair.privateKey.export({ type: traditional, format: "pem" }).toString(),
    privateKeyPemPkcs8: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** openssl names of the real provider's `allowedUses` values. */
const KEY_USAGE: Record<string, string> = {
  digital_signature: "digitalSignature",
  content_commitment: "nonRepudiation",
  key_encipherment: "keyEncipherment",
  data_encipherment: "dataEncipherment",
  key_agreement: "keyAgreement",
  cert_signing: "keyCertSign",
  crl_signing: "cRLSign",
};
const EXT_KEY_USAGE: Record<string, string> = {
  server_auth: "serverAuth",
  client_auth: "clientAuth",
  code_signing: "codeSigning",
  email_protection: "emailProtection",
};

export function checkCert(news: Props): provider.CheckResult {
  const inputs: Props = {
    earlyRenewalHours: 0,
    isCaCertificate: false,
    dnsNames: [],
    ipAddresses: [],
    ...news,
  };
  const failures: provider.CheckFailure[] = [];
  const hours = Number(inputs.validityPeriodHours);
  if (!Number.isInteger(hours) || hours < 1) {
    failures.push({ property: "validityPeriodHours", reason: "must be an integer >= 1" });
  }
  for (const use of (inputs.allowedUses as unknown[] | undefined) ?? []) {
    if (!KEY_USAGE[String(use)] && !EXT_KEY_USAGE[String(use)]) {
      failures.push({ property: "allowedUses", reason: `the stand-in does not know the use ${String(use)}` });
    }
  }
  return { inputs, failures };
}

/** The outputs of a new certificate (the inputs are not repeated). */
export function createCert(inputs: Props): Props {
  const subject = (inputs.subject ?? {}) as Record<string, string | undefined>;
  const subj =
    [
      ["CN", subject.commonName],
      ["O", subject.organization],
      ["OU", subject.organizationalUnit],
      ["C", subject.country],
    ]
      .filter(([, v]) => v)
      .map(([k, v]) => `/${k}=${String(v).replace(/[/\\]/g, "\\$&")}`)
      .join("") || "/";
  const uses = ((inputs.allowedUses as string[] | undefined) ?? []).map(String);
  const sans = [
    ...((inputs.dnsNames as string[]) ?? []).map((d) => `DNS:${d}`),
    ...((inputs.ipAddresses as string[]) ?? []).map((ip) => `IP:${ip}`),
  ];
  const ext = [
    `basicConstraints=critical,CA:${inputs.isCaCertificate ? "TRUE" : "FALSE"}`,
    ...(uses.some((u) => KEY_USAGE[u])
      ? [`keyUsage=critical,${uses.flatMap((u) => KEY_USAGE[u] ?? []).join(",")}`]
      : []),
    ...(uses.some((u) => EXT_KEY_USAGE[u])
      ? [`extendedKeyUsage=${uses.flatMap((u) => EXT_KEY_USAGE[u] ?? []).join(",")}`]
      : []),
    ...(sans.length > 0 ? [`subjectAltName=${sans.join(",")}`] : []),
  ];
  const days = Math.ceil(Number(inputs.validityPeriodHours) / 24);
  const dir = mkdtempSync(path.join(os.tmpdir(), "tls-standin-"));
  try {
    const keyFile = path.join(dir, "key.pem");
    writeFileSync(keyFile, String(inputs.privateKeyPem), { mode: 0o600 });
    const args = ["req", "-x509", "-new", "-key", keyFile, "-subj", subj, "-days", String(days), "-sha256"];
    const certPem = execFileSync("openssl", [...args, ...ext.flatMap((e) => ["-addext", e])], {
      encoding: "utf8",
    });
    const start = new Date();
    const end = new Date(start.getTime() + days * 24 * 3600 * 1000);
    return {
      certPem,
      validityStartTime: start.toISOString(),
      validityEndTime: end.toISOString(),
      readyForRenewal: false,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tlsStandIn: provider.Provider = {
  version: `${npmVersion("@pulumi/tls")}+standin`,
  async check(urn, _olds, news) {
    return typeOfUrn(urn) === KEY ? checkKey(news as Props) : checkCert(assertCert(urn, news as Props));
  },
  async diff(_id, urn, olds, news) {
    return replaceOnChange(olds ?? {}, news ?? {}, OUTPUTS[typeOfUrn(urn)] ?? []);
  },
  async create(urn, inputs) {
    const type = typeOfUrn(urn);
    // Outputs are the inputs as given (secrets stay wrapped, hence secret) plus what was made from their values.
    const plain = unwrapSecrets(inputs) as Props;
    if (type === KEY) return { id: "standin-key", outs: { ...inputs, ...createKey(plain) } };
    return { id: "standin-cert", outs: { ...inputs, ...createCert(assertCert(urn, plain)) } };
  },
  async read(id, _urn, props) {
    return { id, props };
  },
  async delete() {
    // Nothing outside the state to remove.
  },
};

function assertCert(urn: string, props: Props): Props {
  if (typeOfUrn(urn) !== CERT) throw new Error(`the tls stand-in serves only ${KEY} and ${CERT}, not ${urn}`);
  return props;
}

serveStandIn(tlsStandIn, import.meta.url);
