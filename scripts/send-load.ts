/**
 * A short send-load script: P sender->receiver pairs, each sender keeping at most W sends
 * unacknowledged, for a fixed time; reports acked and delivered messages per second and ack
 * latency, and checks that every acked message reached its receiver exactly once.
 *
 *   npm run load -- --start sqlite                 # starts a server on a temp SQLite file
 *   npm run load -- --start mysql                  # ... on a fresh MariaDB database (127.0.0.1:3306, root)
 *   npm run load -- --url ws://host:8081/ws --secret "$JWT_SECRET"
 *
 * Options: --pairs 100 --window 32 --seconds 10 --warmup 2
 * The full benchmark suite (peers, percentiles, reports) is `npm run bench`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import { createConnection } from "mysql2/promise";
import pg from "pg";
import WebSocket from "ws";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    secret: { type: "string", default: process.env.JWT_SECRET },
    start: { type: "string" },
    pairs: { type: "string", default: "100" },
    window: { type: "string", default: "32" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
  },
});
const pairs = Number(values.pairs);
const window = Number(values.window);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const root = resolve(import.meta.dirname, "..");
const progress = (s: string) => process.stderr.write(`${s}\n`);

async function startServer(kind: string): Promise<{ url: string; secret: string; stop: () => Promise<void> }> {
  const secret = "load-test-secret-load-test-secret-0123";
  // A flood on purpose, every client from 127.0.0.1: the abuse limits would refuse most of it.
  const env: Record<string, string> = {
    PORT: "0",
    HOST: "127.0.0.1",
    JWT_SECRET: secret,
    LOG_LEVEL: "warn",
    LOG_FORMAT: "json",
    RATE_MESSAGES_PER_SECOND: "0",
    RATE_FRAMES_PER_SECOND: "0",
    MAX_CONNECTIONS_PER_USER: "0",
    MAX_CONNECTIONS_PER_IP: "0",
    MAX_HTTP_CONNECTIONS_PER_IP: "0",
  };
  const cleanups: (() => Promise<void> | void)[] = [];
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "chatapp-load-"));
    env.DATABASE_URL = `sqlite:${dir}/load.db`;
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  } else if (kind === "mysql") {
    const name = `chatapp_load_${Date.now()}`;
    env.DATABASE_URL = `mysql://root@127.0.0.1:3306/${name}`;
    cleanups.push(async () => {
      const c = await createConnection({ host: "127.0.0.1", user: "root" });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    });
  } else if (kind === "postgres") {
    const name = `chatapp_load_${Date.now()}`;
    env.DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${name}`;
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    });
  } else {
    throw new Error(`--start takes sqlite, mysql or postgres (got ${kind})`);
  }
  const tsx = pathToFileURL(resolve(root, "node_modules/tsx/dist/loader.mjs")).href;
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=source", "--import", tsx, resolve(root, "packages/server/src/cli.ts"), "serve"],
    { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] },
  );
  // The server logs at warn, so read the port from /proc instead of its output.
  const port = await new Promise<number>((resolvePort, reject) => {
    const deadline = Date.now() + 30_000;
    const tick = async () => {
      const { execFileSync } = await import("node:child_process");
      try {
        const out = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" });
        const line = out.split("\n").find((l) => l.includes(`pid=${child.pid},`));
        const m = line?.match(/127\.0\.0\.1:(\d+)/);
        if (m) return resolvePort(Number(m[1]));
      } catch {}
      if (Date.now() > deadline || child.exitCode !== null) return reject(new Error("server did not start"));
      setTimeout(tick, 100);
    };
    void tick();
  });
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    secret,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      for (const c of cleanups) await c();
    },
  };
}

function open(url: string, token: string): Promise<WebSocket> {
  return new Promise((resolveOpen, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.once("open", () => resolveOpen(ws));
    ws.once("error", reject);
  });
}

async function main() {
  const server = values.start ? await startServer(values.start) : undefined;
  const url = server?.url ?? values.url;
  const secret = server?.secret ?? values.secret;
  if (!url || !secret) throw new Error("give --start sqlite|mysql|postgres, or --url and --secret (or JWT_SECRET)");
  const key = new TextEncoder().encode(secret);
  const token = (id: number) =>
    new SignJWT({ sub: String(id) }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(key);

  const base = 1_000_000 + Math.floor(Math.random() * 1_000_000) * 10;
  progress(`connecting ${pairs * 2} sockets to ${url}`);
  const receivers = await Promise.all(Array.from({ length: pairs }, async (_, i) => open(url, await token(base + 2 * i + 1))));
  const senders = await Promise.all(Array.from({ length: pairs }, async (_, i) => open(url, await token(base + 2 * i))));

  let measuring = false;
  let stopped = false;
  let acked = 0;
  let delivered = 0;
  const latencies: number[] = [];
  const ackedIds = new Set<number>();
  const seen = new Map<number, number>();

  for (const ws of receivers) {
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString());
      if (f.type !== "message") return;
      seen.set(f.id, (seen.get(f.id) ?? 0) + 1);
      if (measuring) delivered++;
    });
  }
  senders.forEach((ws, i) => {
    const receiver = base + 2 * i + 1;
    const sentAt = new Map<string, number>();
    let n = 0;
    const sendOne = () => {
      const clientId = `${i}-${n++}`;
      sentAt.set(clientId, performance.now());
      ws.send(JSON.stringify({ type: "send", receiver_id: receiver, content: `load ${clientId}`, client_id: clientId }));
    };
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString());
      if (f.type === "error") throw new Error(`server refused a send: ${JSON.stringify(f)}`);
      if (f.type !== "ack") return;
      ackedIds.add(f.id);
      const t = sentAt.get(f.client_id);
      sentAt.delete(f.client_id);
      if (measuring && t !== undefined) {
        acked++;
        latencies.push(performance.now() - t);
      }
      if (!stopped) sendOne();
    });
    for (let k = 0; k < window; k++) sendOne();
  });

  progress(`warming up ${warmup} s, then measuring ${seconds} s (${pairs} pairs, window ${window})`);
  await new Promise((r) => setTimeout(r, warmup * 1000));
  measuring = true;
  const started = performance.now();
  for (let s = 1; s <= seconds; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    progress(`  ${s}/${seconds} s: ${acked} acked, ${delivered} delivered`);
  }
  measuring = false;
  stopped = true;
  const elapsed = (performance.now() - started) / 1000;
  const ackRate = acked / elapsed;
  const deliverRate = delivered / elapsed;
  await new Promise((r) => setTimeout(r, 1500)); // let in-flight deliveries land

  const lost = [...ackedIds].filter((id) => !seen.has(id)).length;
  const doubled = [...seen.values()].filter((c) => c > 1).length;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(1);

  for (const ws of [...senders, ...receivers]) ws.close();
  await server?.stop();
  console.log(`target          ${values.start ?? url}`);
  console.log(`pairs x window  ${pairs} x ${window}`);
  console.log(`acked msg/s     ${ackRate.toFixed(0)}`);
  console.log(`delivered msg/s ${deliverRate.toFixed(0)}`);
  console.log(`ack latency ms  p50 ${pct(50)}  p99 ${pct(99)}`);
  console.log(`lost ${lost}, delivered twice ${doubled} (of ${ackedIds.size} acked)`);
  if (lost > 0 || doubled > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
