import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { NO_LIMITS } from "./server.js";

// The server's CLI from its sources, found through the package (not a path into the repository).
const require = createRequire(import.meta.url);
const cli = resolve(dirname(require.resolve("@chatapp/server/package.json")), "src/cli.ts");
// The sources run through tsx, resolved from here whatever the cwd.
const tsx = pathToFileURL(require.resolve("tsx")).href;

export type CliProcess = ChildProcess & { output: () => string };

// Servers a failing test leaves behind die with the test process.
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Runs `chatapp <args>` from the sources, in `cwd`, with only `env` (and PATH) set. */
export function runCli(args: string[], env: Record<string, string>, cwd: string): CliProcess {
  const child = spawn(process.execPath, ["--conditions=source", "--import", tsx, cli, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  return Object.assign(child, { output: () => out });
}

export const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });

/**
 * Waits until the process has printed something matching `re`. The default is generous: a
 * server started through tsx on a fresh clone compiles its sources first, and a cluster test
 * starts three at once beside other suites.
 */
export async function waitForOutput(child: CliProcess, re: RegExp, ms = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = child.output().match(re);
    if (m) return m;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`never saw ${re}: ${child.output()}`);
    // The poll interval of this deadline-bound wait.
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `chatapp serve` and resolves once it listens, with its port. */
export async function startServerProcess(env: Record<string, string>, cwd: string): Promise<{ child: CliProcess; port: number }> {
  const child = runCli(["serve"], { HOST: "127.0.0.1", PORT: "0", ...NO_LIMITS, ...env }, cwd);
  try {
    const [, port] = await waitForOutput(child, /listening on http:\/\/localhost:(\d+)/);
    return { child, port: Number(port) };
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
}
