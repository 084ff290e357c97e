/**
 * Retention on a large table: seeds N messages (default 1,000,000) older than the cutoff,
 * starts the server as its own process, and runs `POST /api/admin/retention/run` while one
 * user keeps sending over a socket. Reports how long the removal took, and the sends' ack
 * latency before and during it (p50, p99, max), so one sees whether the chat stayed usable.
 *
 *   npm run retention-bench -- --start sqlite
 *   npm run retention-bench -- --start mysql           # a fresh MariaDB database at 127.0.0.1:3306 (root), dropped after
 *
 * Options: --messages 1000000 --conversations 1000 --baseline 3 (seconds of sends before the run)
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import { sql } from "kysely";
import { createConnection } from "mysql2/promise";
import WebSocket from "ws";
import { parseDatabaseUrl } from "../packages/server/src/config.js";
import { openStore, type Store } from "../packages/server/src/store/database.js";

const { values } = parseArgs({
  options: {
    start: { type: "string", default: "sqlite" },
    messages: { type: "string", default: "1000000" },
    conversations: { type: "string", default: "1000" },
    baseline: { type: "string", default: "3" },
  },
});
const total = Number(values.messages);
const conversations = Number(values.conversations);
const perConversation = Math.ceil(total / conversations);
const root = resolve(import.meta.dirname, "..");
const progress = (s: string) => process.stderr.write(`${s}\n`);
const SECRET = "retention-bench-secret-retention-bench-0123";
const ADMIN_KEY = "retention-bench-admin-key-0123456789abcdef";
const DAY_MS = 86_400_000;
const SENDER = 1;
const OTHER = 2;

async function startServer(kind: string) {
  const env: Record<string, string> = {
    PORT: "0",
    HOST: "127.0.0.1",
    JWT_SECRET: SECRET,
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: "warn",
    LOG_FORMAT: "json",
    RATE_MESSAGES_PER_SECOND: "0",
    RATE_FRAMES_PER_SECOND: "0",
  };
  const cleanups: (() => Promise<void> | void)[] = [];
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "chatapp-retention-"));
    env.DATABASE_URL = `sqlite:${dir}/bench.db`;
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  } else if (kind === "mysql") {
    const name = `chatapp_retention_${Date.now()}`;
    env.DATABASE_URL = `mysql://root@127.0.0.1:3306/${name}`;
    cleanups.push(async () => {
      const c = await createConnection({ host: "127.0.0.1", user: "root" });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    });
  } else {
    throw new Error(`--start takes sqlite or mysql (got ${kind})`);
  }
  const tsx = pathToFileURL(resolve(root, "node_modules/tsx/dist/loader.mjs")).href;
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=source", "--import", tsx, resolve(root, "packages/server/src/cli.ts"), "serve"],
    { env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit"] },
  );
  // The server logs at warn: its port is read from the socket table.
  const port = await new Promise<number>((resolvePort, reject) => {
    const deadline = Date.now() + 60_000;
    const tick = () => {
      try {
        const line = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" })
          .split("\n")
          .find((l) => l.includes(`pid=${child.pid},`));
        const m = line?.match(/127\.0\.0\.1:(\d+)/);
        if (m) return resolvePort(Number(m[1]));
      } catch {}
      if (Date.now() > deadline || child.exitCode !== null) return reject(new Error("server did not start"));
      setTimeout(tick, 100);
    };
    tick();
  });
  const database = parseDatabaseUrl(env.DATABASE_URL as string);
  if (typeof database === "string") throw new Error(database);
  return {
    port,
    database,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      for (const c of cleanups) await c();
    },
  };
}

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima"];

/**
 * Conversation 1 is where the sender writes during the run (kept); conversations 2… hold the
 * old messages, 1,000-row INSERTs in transactions of 20.
 */
async function seed(store: Store): Promise<void> {
  const { db } = store;
  const now = Date.now();
  const old = now - 60 * DAY_MS;
  for (const u of [SENDER, OTHER]) {
    await db
      .insertInto("users")
      .values({ id: u, username: null, display_name: null, password_hash: null, created_at: now, search_name: null })
      .execute();
  }
  const convRows = Array.from({ length: conversations + 1 }, (_, i) => ({
    id: i + 1,
    kind: "group" as const,
    title: `room ${i + 1}`,
    direct_key: null,
    last_seq: i === 0 ? 0 : perConversation,
    created_by: SENDER,
    created_at: old,
    last_activity_at: old,
  }));
  for (let i = 0; i < convRows.length; i += 500)
    await db
      .insertInto("conversations")
      .values(convRows.slice(i, i + 500))
      .execute();
  const memberRows = convRows.flatMap((c) =>
    [SENDER, OTHER].map((u) => ({
      conversation_id: c.id,
      user_id: u,
      role: u === SENDER ? ("owner" as const) : ("member" as const),
      delivered_seq: c.last_seq,
      read_seq: c.last_seq,
      joined_at: old,
    })),
  );
  for (let i = 0; i < memberRows.length; i += 500)
    await db
      .insertInto("members")
      .values(memberRows.slice(i, i + 500))
      .execute();

  const started = performance.now();
  let n = 0;
  const chunk = 1000;
  const rows = function* () {
    for (let c = 2; c <= conversations + 1; c++) {
      for (let seq = 1; seq <= perConversation && n < total; seq++, n++) {
        yield {
          conversation_id: c,
          seq,
          sender_id: seq % 2 === 0 ? SENDER : OTHER,
          client_id: null,
          content: `old message ${n} ${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]}`,
          created_at: old + n,
          edited_at: null,
          deleted_at: null,
          system_event: null,
        };
      }
    }
  };
  let batch: ReturnType<typeof rows> extends Generator<infer R> ? R[] : never = [];
  let statements: (typeof batch)[] = [];
  const flush = async () => {
    if (statements.length === 0) return;
    const work = statements;
    statements = [];
    await db.transaction().execute(async (trx) => {
      for (const values of work) await trx.insertInto("messages").values(values).execute();
    });
  };
  for (const row of rows()) {
    batch.push(row);
    if (batch.length === chunk) {
      statements.push(batch);
      batch = [];
      if (statements.length === 20) await flush();
      if ((n + 1) % 100_000 === 0) progress(`  seeded ${n} messages (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  if (batch.length > 0) statements.push(batch);
  await flush();
  if (store.adapter.name === "sqlite") {
    // The message writer indexes each batch it stores; the seed does it once for all, then
    // folds the write-ahead log into the file so the server does not do it during the run.
    await sql`insert into messages_fts(rowid, content) select id, content from messages`.execute(db);
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
  }
  progress(`seeded ${n} messages in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function open(port: number, token: string): Promise<WebSocket> {
  return new Promise((resolveOpen, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
      headers: { authorization: `Bearer ${token}` },
      perMessageDeflate: false,
    });
    ws.once("open", () => resolveOpen(ws));
    ws.once("error", reject);
  });
}

/** POST without a client-side deadline: a run over a million rows may take minutes. */
function post(port: number, path: string, body: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolvePost, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolvePost({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** Sends one message at a time (the next 5 ms after the ack); collects ack latencies until stopped. */
function sender(ws: WebSocket) {
  let phase: number[] = [];
  let stopped = false;
  let n = 0;
  let sentAt = 0;
  const sendOne = () => {
    sentAt = performance.now();
    ws.send(JSON.stringify({ type: "send", conversation_id: 1, content: `live ${n}`, client_id: `live-${n++}` }));
  };
  ws.on("message", (data) => {
    const f = JSON.parse(data.toString());
    if (f.type === "error") throw new Error(`server refused a send: ${JSON.stringify(f)}`);
    if (f.type !== "ack") return;
    phase.push(performance.now() - sentAt);
    if (!stopped) setTimeout(sendOne, 5);
  });
  sendOne();
  return {
    /** The latencies since the last call. */
    take() {
      const out = phase;
      phase = [];
      return out;
    },
    stop() {
      stopped = true;
    },
  };
}

function summary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return { sends: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

const fmt = (s: ReturnType<typeof summary>) =>
  `${s.sends} sends, p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;

async function main() {
  const kind = values.start as string;
  progress(`starting a server on ${kind}`);
  const server = await startServer(kind);
  try {
    const store = openStore(server.database, { poolSize: 2 });
    progress(`seeding ${total} messages in ${conversations} conversations`);
    await seed(store);
    await store.destroy();

    const key = new TextEncoder().encode(SECRET);
    const token = await new SignJWT({ sub: String(SENDER) })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(key);
    const ws = await open(server.port, token);
    const live = sender(ws);
    await new Promise((r) => setTimeout(r, Number(values.baseline) * 1000));
    const baseline = summary(live.take());
    progress(`baseline: ${fmt(baseline)}`);

    const cutoff = new Date(Date.now() - 30 * DAY_MS).toISOString();
    const started = performance.now();
    const during: number[] = [];
    const tick = setInterval(() => {
      const last = live.take();
      during.push(...last);
      progress(`  ${((performance.now() - started) / 1000).toFixed(0)} s: ${fmt(summary(last))}`);
    }, 10_000);
    const res = await post(server.port, "/api/admin/retention/run", { before: cutoff });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(tick);
    during.push(...live.take());
    live.stop();
    if (res.status !== 200) throw new Error(`retention run answered ${res.status}: ${JSON.stringify(res.body)}`);
    const deleted = (res.body as { deleted: number }).deleted;
    progress(`during: ${fmt(summary(during))}`);
    const result = {
      dialect: kind,
      deleted,
      seconds: Number(seconds.toFixed(1)),
      rows_per_second: Math.round(deleted / seconds),
      baseline,
      during: summary(during),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    progress(
      `${kind}: removed ${deleted} messages in ${seconds.toFixed(1)} s (${result.rows_per_second}/s); sends during the run: ${fmt(summary(during))}`,
    );
    ws.close();
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
