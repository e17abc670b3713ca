// JWT bearer tokens (jose): HS256 with a shared secret or RS256 with a public key (PEM). The tenant is
// the JWT_TENANT_CLAIM claim, falling back to `sub`. Every token must expire (`exp`), within
// JWT_MAX_LIFETIME_S of its issue time: a leaked token without `exp` would otherwise work forever.
import { decodeProtectedHeader, errors, importSPKI, jwtVerify, type CryptoKey, type KeyObject } from "jose";
import { readFile } from "node:fs/promises";
import { ConfigError, type Config } from "../config.js";

export interface JwtVerifier {
  verify(token: string): Promise<string>;
}

/** A rejection whose message is safe and useful to show the client (it names no key material). */
export class TokenRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenRejected";
  }
}

async function fromFileOrValue(value: string | undefined, file: string | undefined, name: string) {
  if (value !== undefined) return value;
  if (file === undefined) return undefined;
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (err) {
    throw new ConfigError(`${name}_FILE=${file} cannot be read: ${(err as Error).message}`);
  }
}

/** The client-facing reason for a jose failure; undefined for those that must stay vague (bad signature). */
function publicReason(err: unknown): string | undefined {
  if (err instanceof TokenRejected) return err.message;
  if (err instanceof errors.JWTExpired) return "the token has expired";
  if (err instanceof errors.JWTClaimValidationFailed) {
    return err.reason === "missing"
      ? `the token has no "${err.claim}" claim`
      : `its "${err.claim}" claim is invalid`;
  }
  return undefined;
}

export async function createJwtVerifier(cfg: Config): Promise<JwtVerifier | undefined> {
  const secret = await fromFileOrValue(cfg.jwtSecret, cfg.jwtSecretFile, "JWT_SECRET");
  const pem = await fromFileOrValue(cfg.jwtPublicKey, cfg.jwtPublicKeyFile, "JWT_PUBLIC_KEY");
  if (secret === undefined && pem === undefined) return undefined;
  if (secret !== undefined && secret.length < 32)
    throw new ConfigError("the JWT secret (JWT_SECRET_FILE) must be at least 32 characters");
  const keys = new Map<string, Uint8Array | CryptoKey | KeyObject>();
  if (secret !== undefined) keys.set("HS256", new TextEncoder().encode(secret));
  if (pem !== undefined) {
    try {
      keys.set("RS256", await importSPKI(pem, "RS256"));
    } catch (err) {
      throw new ConfigError(`JWT_PUBLIC_KEY is not an RS256 SPKI PEM: ${(err as Error).message}`);
    }
  }
  const maxLifetime = cfg.jwtMaxLifetimeSeconds;
  return {
    async verify(token) {
      try {
        // The header picks the one key to try, so the error is about this token, not about another algorithm.
        let alg: string | undefined;
        try {
          alg = decodeProtectedHeader(token).alg;
        } catch {
          throw new TokenRejected("the token header is not valid JSON");
        }
        const key = alg === undefined ? undefined : keys.get(alg);
        if (key === undefined) {
          throw new TokenRejected(
            `alg ${String(alg)} is not accepted (accepted: ${[...keys.keys()].join(", ")})`,
          );
        }
        const { payload } = await jwtVerify(token, key, {
          algorithms: [alg as string],
          requiredClaims: ["exp"],
          ...(cfg.jwtIssuer ? { issuer: cfg.jwtIssuer } : {}),
          ...(cfg.jwtAudience ? { audience: cfg.jwtAudience } : {}),
        });
        const exp = payload.exp as number;
        const issued = payload.iat ?? Math.floor(Date.now() / 1000);
        if (maxLifetime > 0 && exp - issued > maxLifetime) {
          throw new TokenRejected(
            `its lifetime (exp - iat) of ${exp - issued} s is above the ${maxLifetime} s allowed`,
          );
        }
        const tenant = payload[cfg.jwtTenantClaim] ?? payload.sub;
        if (typeof tenant !== "string" || tenant === "")
          throw new TokenRejected(`the token has no ${cfg.jwtTenantClaim} or sub claim`);
        return tenant;
      } catch (err) {
        const reason = publicReason(err);
        if (reason !== undefined && !(err instanceof TokenRejected)) throw new TokenRejected(reason);
        throw err;
      }
    },
  };
}
