// Stand-in for pulumi-resource-random in the preview only: the real provider (Terraform-bridged) cannot be built
// from the Go module proxy reachable here (docs/engine.md). It serves the one type the platform uses,
// random:index/randomPassword:RandomPassword, with the real provider's inputs, defaults and replace-on-change
// behaviour, generating with node:crypto. Not provided: the `bcryptHash` output.
import { randomInt } from "node:crypto";
import { provider } from "@pulumi/pulumi";
import { npmVersion } from "../versions.js";
import { replaceOnChange, serveStandIn, typeOfUrn, unwrapSecrets } from "./serve.js";

const PASSWORD = "random:index/randomPassword:RandomPassword";
const DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

interface PasswordInputs {
  length: number;
  lower: boolean;
  upper: boolean;
  numeric: boolean;
  special: boolean;
  minLower: number;
  minUpper: number;
  minNumeric: number;
  minSpecial: number;
  overrideSpecial?: string;
  keepers?: Record<string, string>;
}

/** The real provider's defaults applied to what the program passed; failures name the property. */
export function checkPassword(news: Record<string, unknown>): provider.CheckResult {
  const inputs: PasswordInputs = {
    lower: true,
    upper: true,
    numeric: true,
    special: true,
    minLower: 0,
    minUpper: 0,
    minNumeric: 0,
    minSpecial: 0,
    ...(news as Partial<PasswordInputs>),
    length: Number(news.length),
  };
  const failures: provider.CheckFailure[] = [];
  if (!Number.isInteger(inputs.length) || inputs.length < 1) {
    failures.push({ property: "length", reason: "length must be an integer >= 1" });
  }
  const mins = inputs.minLower + inputs.minUpper + inputs.minNumeric + inputs.minSpecial;
  if (mins > inputs.length)
    failures.push({ property: "length", reason: `length is below the minimums' sum ${mins}` });
  if (classes(inputs).length === 0)
    failures.push({ property: "lower", reason: "every character class is off" });
  return { inputs, failures };
}

function classes(p: PasswordInputs): { chars: string; min: number }[] {
  const all = [
    { on: p.lower, chars: "abcdefghijklmnopqrstuvwxyz", min: p.minLower },
    { on: p.upper, chars: "ABCDEFGHIJKLMNOPQRSTUVWXYZ", min: p.minUpper },
    { on: p.numeric, chars: "0123456789", min: p.minNumeric },
    { on: p.special, chars: p.overrideSpecial ?? DEFAULT_SPECIAL, min: p.minSpecial },
  ];
  return all.filter((c) => c.on && c.chars.length > 0);
}

/** The minimum of each class first, then any enabled character, then a Fisher-Yates shuffle. */
export function generatePassword(p: PasswordInputs): string {
  const enabled = classes(p);
  const pool = enabled.map((c) => c.chars).join("");
  const chars: string[] = [];
  for (const c of enabled)
    for (let i = 0; i < c.min; i++) chars.push(c.chars[randomInt(c.chars.length)] ?? "");
  while (chars.length < p.length) chars.push(pool[randomInt(pool.length)] ?? "");
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] ?? "", chars[i] ?? ""];
  }
  return chars.join("");
}

const randomStandIn: provider.Provider = {
  version: `${npmVersion("@pulumi/random")}+standin`,
  async check(urn, _olds, news) {
    assertType(urn);
    return checkPassword(news as Record<string, unknown>);
  },
  async diff(_id, urn, olds, news) {
    assertType(urn);
    return replaceOnChange(olds ?? {}, news ?? {}, ["result", "bcryptHash"]);
  },
  async create(urn, inputs) {
    assertType(urn);
    return {
      id: "none",
      outs: { ...inputs, result: generatePassword(unwrapSecrets(inputs) as PasswordInputs) },
    };
  },
  async read(id, _urn, props) {
    return { id, props };
  },
  async delete() {
    // Nothing outside the state to remove.
  },
};

function assertType(urn: string): void {
  if (typeOfUrn(urn) !== PASSWORD) {
    throw new Error(`the random stand-in serves only ${PASSWORD}, not ${urn}`);
  }
}

serveStandIn(randomStandIn, import.meta.url);
