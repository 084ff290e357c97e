/**
 * Honest senders' throughput while one attacker sends a poison frame (issue 12, finding 3): a
 * send whose client_id holds a lone UTF-16 surrogate, at a steady rate. Starts a real server
 * (a child process, message and frame limits off) on a fresh database, runs P sender->receiver
 * pairs each keeping W sends unacknowledged, and reports acked messages per second, ack
 * latency, and how the attacker was answered.
 *
 *   node --conditions=source --import tsx scripts/poison-load.ts --db mysql --poison 10
 *
 * Options: --db sqlite|mysql|postgres --pairs 20 --window 16 --seconds 10 --warmup 2 --poison 10
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
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
    db: { type: "string", default: "mysql" },
    pairs: { type: "string", default: "20" },
    window: { type: "string", default: "16" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    poison: { type: "string", default: "10" },
  },
});
const [pairs, window, seconds, warmup, poisonRate] = [
  values.pairs,
  values.window,
  values.seconds,
  values.warmup,
  values.poison,
].map(Number) as [number, number, number, number, number];
const root = resolve(import.meta.dirname, "..");
const secret = "poison-load-secret-poison-load-secret-01";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

/** A fresh database for `kind`, and how to drop it. */
function database(kind: string): { url: string; drop: () => Promise<void> } {
  const name = `chatapp_poison_${Date.now()}`;
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "chatapp-poison-"));
    return { url: `sqlite:${dir}/poison.db`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (kind === "mysql") {
    return {
      url: `mysql://root@127.0.0.1:3306/${name}`,
      drop: async () => {
        const c = await createConnection({ host: "127.0.0.1", user: "root" });
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await c.end();
      },
    };
  }
  if (kind === "postgres") {
    return {
      url: `postgres://postgres@127.0.0.1:5432/${name}`,
      drop: async () => {
        const c = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.end();
      },
    };
  }
  throw new Error(`--db takes sqlite, mysql or postgres (got ${kind})`);
}

function open(url: string, token: string): Promise<WebSocket> {
  return new Promise((resolveOpen, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.once("open", () => resolveOpen(ws));
    ws.once("error", reject);
  });
}

async function run(url: string): Promise<void> {
  const key = new TextEncoder().encode(secret);
  const token = (id: number) =>
    new SignJWT({ sub: String(id) }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(key);
  const receivers = await Promise.all(Array.from({ length: pairs }, async (_, i) => open(url, await token(1000 + 2 * i + 1))));
  const senders = await Promise.all(Array.from({ length: pairs }, async (_, i) => open(url, await token(1000 + 2 * i))));
  const attacker = await open(url, await token(999));
  for (const ws of receivers) ws.on("message", () => {});

  let measuring = false;
  let stopped = false;
  let acked = 0;
  const refusals = new Map<string, number>();
  const latencies: number[] = [];
  senders.forEach((ws, i) => {
    const sentAt = new Map<string, number>();
    let n = 0;
    const sendOne = () => {
      const clientId = `${i}-${n++}`;
      sentAt.set(clientId, performance.now());
      ws.send(JSON.stringify({ type: "send", receiver_id: 1000 + 2 * i + 1, content: `load ${clientId}`, client_id: clientId }));
    };
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString());
      if (f.type === "error") refusals.set(`honest ${f.code}`, (refusals.get(`honest ${f.code}`) ?? 0) + 1);
      if (f.type !== "ack" && f.type !== "error") return;
      const t = sentAt.get(f.client_id);
      sentAt.delete(f.client_id);
      if (measuring && t !== undefined && f.type === "ack") {
        acked++;
        latencies.push(performance.now() - t);
      }
      if (!stopped) sendOne();
    });
    for (let k = 0; k < window; k++) sendOne();
  });
  attacker.on("message", (data) => {
    const f = JSON.parse(data.toString());
    const what = f.type === "error" ? `attacker ${f.code}` : `attacker ${f.type}`;
    if (f.type === "ack" || f.type === "error") refusals.set(what, (refusals.get(what) ?? 0) + 1);
  });
  const poison = JSON.stringify({ type: "send", receiver_id: 1001, content: "poison", client_id: "q\ud800" });
  const attack = poisonRate > 0 ? setInterval(() => attacker.send(poison), 1000 / poisonRate) : undefined;

  await sleep(warmup * 1000);
  measuring = true;
  const started = performance.now();
  await sleep(seconds * 1000);
  measuring = false;
  stopped = true;
  clearInterval(attack);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(1);
  console.log(`db ${values.db}, ${pairs} pairs x window ${window}, poison ${poisonRate}/s, ${seconds} s`);
  console.log(`honest acked msg/s ${(acked / elapsed).toFixed(0)}   ack latency ms p50 ${pct(50)}  p99 ${pct(99)}`);
  console.log(`answers: ${JSON.stringify(Object.fromEntries(refusals))}`);
  for (const ws of [...senders, ...receivers, attacker]) ws.close();
}

async function main(): Promise<void> {
  const db = database(values.db as string);
  const port = await freePort();
  const tsx = pathToFileURL(resolve(root, "node_modules/tsx/dist/loader.mjs")).href;
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    JWT_SECRET: secret,
    DATABASE_URL: db.url,
    LOG_LEVEL: "error",
    RATE_MESSAGES_PER_SECOND: "0",
    RATE_FRAMES_PER_SECOND: "0",
  };
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=source", "--import", tsx, resolve(root, "packages/server/src/cli.ts"), "serve"],
    { env, stdio: ["ignore", "ignore", "inherit"] },
  );
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error("the server did not start");
      await sleep(100);
    }
    await run(`ws://127.0.0.1:${port}/ws`);
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
