import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SignJWT } from "jose";
import { createConnection } from "mysql2/promise";

export const TARGETS = ["chatapp-sqlite", "chatapp-mysql", "relay", "naive"] as const;
export type TargetName = (typeof TARGETS)[number];

export interface Target {
  name: string;
  url: string;
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

/** Starts a target as a process of its own, on a fresh database, and waits until it listens. */
export async function startTarget(name: TargetName): Promise<Target> {
  const env: Record<string, string> = { PORT: "0", HOST: "127.0.0.1", JWT_SECRET: SECRET, LOG_FORMAT: "json", LOG_LEVEL: "info" };
  const cleanups: (() => Promise<void> | void)[] = [];
  let entry: string;
  const dbName = `chatapp_bench_${process.pid}_${Date.now()}`;
  switch (name) {
    case "chatapp-sqlite": {
      const dir = mkdtempSync(join(tmpdir(), "chatapp-bench-"));
      env.DATABASE_URL = `sqlite:${dir}/bench.db`;
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      entry = resolve(root, "packages/server/src/cli.ts");
      break;
    }
    case "chatapp-mysql":
    case "naive": {
      env.DATABASE_URL = `${MYSQL}/${dbName}`;
      cleanups.push(async () => {
        const url = new URL(MYSQL);
        const c = await createConnection({
          host: url.hostname,
          port: Number(url.port || 3306),
          user: url.username || "root",
          password: url.password,
        });
        await c.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
        await c.end();
      });
      entry = resolve(root, name === "naive" ? "packages/bench/src/peers/naive.ts" : "packages/server/src/cli.ts");
      break;
    }
    case "relay":
      entry = resolve(root, "packages/bench/src/peers/relay.ts");
      break;
  }
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
  return {
    name,
    url: `ws://127.0.0.1:${port}/ws`,
    pid: child.pid,
    token: signer(SECRET),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      for (const c of cleanups) await c();
    },
  };
}
