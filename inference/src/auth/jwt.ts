// JWT bearer tokens (jose): HS256 with a shared secret or RS256 with a public key (PEM). The tenant is
// the JWT_TENANT_CLAIM claim, falling back to `sub`.
import { importSPKI, jwtVerify, type CryptoKey, type KeyObject } from "jose";
import { readFile } from "node:fs/promises";
import type { Config } from "../config.js";

export interface JwtVerifier {
  verify(token: string): Promise<string>;
}

async function fromFileOrValue(value: string | undefined, file: string | undefined, name: string) {
  if (value !== undefined) return value;
  if (file === undefined) return undefined;
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (err) {
    throw new Error(`${name}_FILE=${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

export async function createJwtVerifier(cfg: Config): Promise<JwtVerifier | undefined> {
  const secret = await fromFileOrValue(cfg.jwtSecret, cfg.jwtSecretFile, "JWT_SECRET");
  const pem = await fromFileOrValue(cfg.jwtPublicKey, cfg.jwtPublicKeyFile, "JWT_PUBLIC_KEY");
  if (secret === undefined && pem === undefined) return undefined;
  if (secret !== undefined && secret.length < 32)
    throw new Error("JWT secret must be at least 32 characters");
  const keys: { alg: string; key: Uint8Array | CryptoKey | KeyObject }[] = [];
  if (secret !== undefined) keys.push({ alg: "HS256", key: new TextEncoder().encode(secret) });
  if (pem !== undefined) {
    try {
      keys.push({ alg: "RS256", key: await importSPKI(pem, "RS256") });
    } catch (err) {
      throw new Error(`JWT public key is not an RS256 SPKI PEM: ${(err as Error).message}`, { cause: err });
    }
  }
  return {
    async verify(token) {
      let lastError: unknown;
      for (const { alg, key } of keys) {
        try {
          const { payload } = await jwtVerify(token, key, {
            algorithms: [alg],
            ...(cfg.jwtIssuer ? { issuer: cfg.jwtIssuer } : {}),
            ...(cfg.jwtAudience ? { audience: cfg.jwtAudience } : {}),
          });
          const tenant = payload[cfg.jwtTenantClaim] ?? payload.sub;
          if (typeof tenant !== "string" || tenant === "")
            throw new Error(`token has no ${cfg.jwtTenantClaim} or sub claim`);
          return tenant;
        } catch (err) {
          lastError = err;
        }
      }
      throw lastError;
    },
  };
}
