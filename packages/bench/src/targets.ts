import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SignJWT } from "jose";
import { createConnection } from "mysql2/promise";

export const TARGETS = ["chatapp-sqlite", "chatapp-mysql", "chatapp-cluster", "relay", "naive"] as const;
export type TargetName = (typeof TARGETS)[number];

export interface Target {
  name: string;
  url: string;
  /** Every node's URL, for a cluster: clients are spread over them, in turn. */
  urls?: string[];
  pid: number | undefined;
  token(userId: number): Promise<string>;
  stop(): Promise<void>;
}

const root = resolve(import.meta.dirname, "../../..");
const tsx = pathToFileURL(resolve(root, "node_modules/tsx/dist/loader.mjs")).href;
const SECRET = "bench-secret-bench-secret-bench-secret-0123";
const MYSQL = process.env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";

const signer = (secret: string) => {
  const key = new TextEncoder().encode(secret);
  return (userId: number) =>
    new SignJWT({ sub: String(userId) }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("2h").sign(key);
};

/** A target given by URL: its tokens are signed with `secret` (the server's JWT_SECRET). */
export function remoteTarget(url: string, secret: string): Target {
  return { name: url, url, pid: undefined, token: signer(secret), stop: async () => {} };
}

const REDIS = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const CLUSTER_NODES = 3;

/** A local before-send hook (peers/before-send-hook.ts) answering allow after `delayMs`. */
export async function startHook(delayMs = 1): Promise<{ url: string; stop(): Promise<void> }> {
  const hook = await spawnTarget("before-send-hook", resolve(root, "packages/bench/src/peers/before-send-hook.ts"), {
    PORT: "0",
    HOOK_DELAY_MS: String(delayMs),
  });
  return { url: `http://127.0.0.1:${hook.port}/before-send`, stop: () => hook.stop() };
}

/**
 * Starts a target (its processes, on a fresh database) and waits until it listens. `extraEnv`
 * is added to a ChatApp node's environment (the before-send scenario sets BEFORE_SEND_*).
 */
export async function startTarget(name: TargetName, extraEnv: Record<string, string> = {}): Promise<Target> {
  const env: Record<string, string> = {
    PORT: "0",
    HOST: "127.0.0.1",
    JWT_SECRET: SECRET,
    LOG_FORMAT: "json",
    LOG_LEVEL: "info",
    // The scenarios are floods on purpose: the abuse limits would refuse most of them.
    RATE_MESSAGES_PER_SECOND: "0",
    RATE_FRAMES_PER_SECOND: "0",
    MAX_CONNECTIONS_PER_USER: "0",
    MAX_CONNECTIONS_PER_IP: "0",
    MAX_HTTP_CONNECTIONS_PER_IP: "0",
    RATE_ACTIONS_PER_MINUTE: "0",
    RATE_GROUPS_PER_HOUR: "0",
    RATE_MEMBER_ADDS_PER_HOUR: "0",
    RATE_UPLOADS_PER_MINUTE: "0",
    ...extraEnv,
  };
  const cleanups: (() => Promise<void> | void)[] = [];
  const dbName = `chatapp_bench_${process.pid}_${Date.now()}`;
  // The server's CLI from its sources, found through the package (run through tsx, as the peers are).
  const server = resolve(dirname(createRequire(import.meta.url).resolve("@chatapp/server/package.json")), "src/cli.ts");
  const dropMysqlDatabase = async () => {
    const url = new URL(MYSQL);
    const c = await createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: url.username || "root",
      password: url.password,
    });
    await c.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await c.end();
  };
  let processes: Spawned[];
  try {
    switch (name) {
      case "chatapp-sqlite": {
        const dir = mkdtempSync(join(tmpdir(), "chatapp-bench-"));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        const files = { UPLOAD_DIR: join(dir, "uploads") };
        processes = [await spawnTarget(name, server, { ...env, ...files, DATABASE_URL: `sqlite:${dir}/bench.db` })];
        break;
      }
      case "chatapp-mysql":
      case "naive": {
        cleanups.push(dropMysqlDatabase);
        const entry = name === "naive" ? resolve(root, "packages/bench/src/peers/naive.ts") : server;
        // Uploaded files go to a folder of the run's own, never ./data of whoever runs it.
        const dir = mkdtempSync(join(tmpdir(), "chatapp-bench-"));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        const files = { UPLOAD_DIR: join(dir, "uploads") };
        processes = [await spawnTarget(name, entry, { ...env, ...files, DATABASE_URL: `${MYSQL}/${dbName}` })];
        break;
      }
      case "chatapp-cluster": {
        // Three nodes on one MariaDB database and Redis, started together as a deployment would.
        cleanups.push(dropMysqlDatabase);
        // One uploads folder for the three (a cluster refuses each node's own).
        const dir = mkdtempSync(join(tmpdir(), "chatapp-bench-"));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        const nodeEnv = { ...env, DATABASE_URL: `${MYSQL}/${dbName}`, REDIS_URL: REDIS, UPLOAD_DIR: join(dir, "uploads") };
        processes = await Promise.all(Array.from({ length: CLUSTER_NODES }, () => spawnTarget(name, server, nodeEnv)));
        break;
      }
      case "relay":
        processes = [await spawnTarget(name, resolve(root, "packages/bench/src/peers/relay.ts"), env)];
        break;
    }
  } catch (err) {
    for (const c of cleanups) await c();
    throw err;
  }
  const urls = processes.map((p) => `ws://127.0.0.1:${p.port}/ws`);
  return {
    name,
    url: urls[0] as string,
    urls: urls.length > 1 ? urls : undefined,
    pid: processes[0]?.child.pid,
    token: signer(SECRET),
    async stop() {
      await Promise.all(processes.map((p) => p.stop()));
      for (const c of cleanups) await c();
    },
  };
}

interface Spawned {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/** Runs one process of a target from the sources and resolves with the port it listens on. */
async function spawnTarget(name: string, entry: string, env: Record<string, string>): Promise<Spawned> {
  const args = ["--conditions=source", "--import", tsx, entry];
  if (name.startsWith("chatapp")) args.push("serve");
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
    if (out.length > 100_000) out = out.slice(-10_000);
  });
  child.stderr?.on("data", (d) => (out += d));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  };
  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      const deadline = Date.now() + 60_000;
      const tick = () => {
        const m = out.match(/listening on (?:http:\/\/localhost:)?(\d+)/);
        if (m) return resolvePort(Number(m[1]));
        if (Date.now() > deadline || child.exitCode !== null)
          return reject(new Error(`${name} did not start: ${out.slice(-2000)}`));
        setTimeout(tick, 50);
      };
      tick();
    });
    return { child, port, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
