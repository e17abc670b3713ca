// The preview's stand-in random and tls providers must produce what the real ones would for the platform's inputs.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkPassword, generatePassword } from "../../scripts/preview/standins/random.js";
import { replaceOnChange, typeOfUrn } from "../../scripts/preview/standins/serve.js";
import { checkCert, checkKey, createCert, createKey } from "../../scripts/preview/standins/tls.js";

describe("random stand-in", () => {
  it("applies the real defaults and honours length, classes and minimums", () => {
    const { inputs, failures } = checkPassword({ length: 40, special: false, minNumeric: 5 });
    expect(failures).toEqual([]);
    const password = generatePassword(inputs);
    expect(password).toHaveLength(40);
    expect(password).toMatch(/^[A-Za-z0-9]+$/);
    expect(password.replace(/\D/g, "").length).toBeGreaterThanOrEqual(5);
    expect(generatePassword(inputs)).not.toBe(password);
  });

  it("rejects a length below the minimums", () => {
    expect(checkPassword({ length: 3, minUpper: 2, minLower: 2 }).failures?.[0]?.property).toBe("length");
  });
});

describe("tls stand-in", () => {
  it("makes an ECDSA P-256 key in SEC 1 and PKCS#8", () => {
    const key = createKey(checkKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).inputs);
    expect(String(key.privateKeyPem)).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(createPrivateKey(String(key.privateKeyPemPkcs8)).asymmetricKeyDetails?.namedCurve).toBe(
      "prime256v1",
    );
  });

  it("self-signs a CA certificate with the DNS names and uses asked for", () => {
    const key = createKey({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    const { inputs, failures } = checkCert({
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: "gateway.genai", organization: "genai-platform" },
      dnsNames: ["a.genai.internal", "*.genai.internal"],
      validityPeriodHours: 48,
      allowedUses: ["digital_signature", "server_auth", "cert_signing"],
      isCaCertificate: true,
    });
    expect(failures).toEqual([]);
    const cert = new X509Certificate(String(createCert(inputs).certPem));
    expect(cert.subject).toContain("CN=gateway.genai");
    expect(cert.subjectAltName).toBe("DNS:a.genai.internal, DNS:*.genai.internal");
    expect(cert.ca).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(String(key.privateKeyPem)))).toBe(true);
  });

  it("refuses algorithms it does not implement", () => {
    expect(checkKey({ algorithm: "ED25519" }).failures?.[0]?.property).toBe("algorithm");
  });
});

describe("stand-in plumbing", () => {
  it("reads the type of nested URNs", () => {
    expect(typeOfUrn("urn:pulumi:dev::p::genai:x:Y$tls:index/privateKey:PrivateKey::k")).toBe(
      "tls:index/privateKey:PrivateKey",
    );
  });

  it("replaces on a changed input and ignores outputs", () => {
    expect(replaceOnChange({ length: 8, result: "a" }, { length: 8 }, ["result"])).toEqual({
      changes: false,
      replaces: [],
    });
    expect(replaceOnChange({ length: 8, result: "a" }, { length: 9 }, ["result"]).replaces).toEqual([
      "length",
    ]);
  });
});
