// Runs the Pulumi CLI in a throw-away project copy (scripts/preview/workspace.ts) the way a user runs it in the
// project directory: the CLI starts the Node.js language host, which runs Pulumi.yaml's program and the policy-pack
// directories. The engine's events are read from `--event-log`, its output streams to this process' stderr.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { automation } from "@pulumi/pulumi";
import type { ThrowawayProject } from "./workspace.js";

export interface CliResult {
  /** The command as run (values read from stdin are not in it). */
  readonly command: string;
  readonly stdout: string;
  /** The engine events of `--event-log`; empty for commands run without `events`. */
  readonly events: readonly automation.EngineEvent[];
}

export interface CliOptions {
  /** Written to the CLI's stdin (how `pulumi config set` takes a value that must not be in the command line). */
  readonly input?: string;
  /** Pass `--event-log` and return the events. */
  readonly events?: boolean;
  /** Kill the CLI after this long; an operation on a loaded 2-core machine takes minutes, not hours. */
  readonly timeoutMs?: number;
}

let eventLogs = 0;

/** `pulumi <args> --non-interactive --color never` in the project copy; fails unless it exits 0. */
export async function pulumi(
  project: ThrowawayProject,
  args: readonly string[],
  opts: CliOptions = {},
): Promise<CliResult> {
  const eventLog = opts.events
    ? path.join(project.workDir, `events-${process.pid}-${++eventLogs}.jsonl`)
    : "";
  const argv = [
    ...args,
    "--non-interactive",
    "--color",
    "never",
    ...(eventLog ? ["--event-log", eventLog] : []),
  ];
  const command = `pulumi ${args.join(" ")}`;
  project.commands.push(command);
  process.stderr.write(`[pulumi] ${command} (in ${project.projectDir})\n`);
  const child = spawn("pulumi", argv, {
    cwd: project.projectDir,
    env: { ...process.env, ...project.env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const stdout: string[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout.push(chunk);
    process.stderr.write(chunk);
  });
  child.stdin.end(opts.input ?? "");
  const timeoutMs = opts.timeoutMs ?? 20 * 60_000;
  const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
  const code = await new Promise<number | string>((resolve, reject) => {
    child.on("error", (err) => reject(new Error(`starting pulumi failed (is it on PATH?): ${err.message}`)));
    child.on("close", (status, signal) => resolve(status ?? signal ?? "unknown"));
  }).finally(() => clearTimeout(timer));
  if (code !== 0) {
    throw new Error(
      `${command} failed (exit ${code}${code === "SIGTERM" ? `, killed after ${timeoutMs} ms` : ""}); its output is above`,
    );
  }
  return { command, stdout: stdout.join(""), events: eventLog ? readEventLog(eventLog) : [] };
}

/** The JSON lines of an event log (the CLI writes one engine event per line). */
export function readEventLog(file: string): automation.EngineEvent[] {
  if (!existsSync(file)) throw new Error(`the CLI wrote no event log at ${file}`);
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      try {
        return JSON.parse(line) as automation.EngineEvent;
      } catch {
        throw new Error(`${file}:${i + 1} is not a JSON engine event: ${line.slice(0, 200)}`);
      }
    });
}

function summaryOf(result: CliResult): automation.SummaryEvent {
  const summary = result.events.find((e) => e.summaryEvent)?.summaryEvent;
  if (!summary) throw new Error(`${result.command} sent no summary event`);
  return summary;
}

/** The operation counts of the run's summary event (`{ create: 71 }`); fails when the CLI sent none. */
export const changeSummary = (result: CliResult): automation.OpMap => summaryOf(result).resourceChanges;

/**
 * The policy packs that ran, `name|kind|location` to version, from the summary event (its JSON key is `PolicyPacks`,
 * the SDK's type says `policyPacks`).
 */
export function policyPacksRun(result: CliResult): Record<string, string> {
  const summary = summaryOf(result) as unknown as Record<string, Record<string, string> | undefined>;
  return { ...(summary["PolicyPacks"] ?? summary["policyPacks"] ?? {}) };
}

/** The engine's verdict in the summary event ("succeeded", "failed"...; the SDK's type lacks the field). */
export const summaryResult = (result: CliResult): string =>
  String((summaryOf(result) as { result?: unknown }).result ?? "no result in the summary event");

/** Selects the stack in the project copy, creating it on the first run. */
export async function selectStack(project: ThrowawayProject, stack: string): Promise<void> {
  await pulumi(project, ["stack", "select", "--create", stack]);
}

/**
 * `pulumi config set key` with the value on stdin, so that a secret stays out of the process list; `path` for a
 * nested key such as `genai:inference.image.ref` (`--path`).
 */
export async function setConfig(
  project: ThrowawayProject,
  key: string,
  value: string,
  opts: { secret?: boolean; path?: boolean } = {},
): Promise<void> {
  const flags = [...(opts.path ? ["--path"] : []), opts.secret ? "--secret" : "--plaintext"];
  await pulumi(project, ["config", "set", ...flags, key], { input: value });
}

/** The stack's outputs (`pulumi stack output --json`, which prints secrets as "[secret]"). */
export async function stackOutputs(project: ThrowawayProject): Promise<Record<string, unknown>> {
  const { stdout } = await pulumi(project, ["stack", "output", "--json"]);
  return JSON.parse(stdout) as Record<string, unknown>;
}
