// One ext_proc exchange with an endpoint picker through `genai-gateway pick` (scripts/gateway/gateway), which runs
// the request phase the way Envoy does for an InferencePool.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** What the picker decided: the endpoint it set, or the status of its immediate response. */
export interface Pick {
  readonly endpoint: string;
  readonly status?: number;
  readonly message?: string;
}

/** Asks `picker` (host:port) where `body`, sent to `path`, should go. */
export async function exchange(
  gatewayBin: string,
  picker: string,
  body: object,
  path: string,
): Promise<Pick> {
  const args = ["pick", "--epp", picker, "--path", path, "--body", JSON.stringify(body)];
  const { stdout } = await exec(gatewayBin, args, { timeout: 15_000 });
  return JSON.parse(stdout) as Pick;
}
