/**
 * What the notification gate costs a group-commit batch, on SQLite in-process (no network, no
 * other load in the figures but the machine's): the batch's one read of the sinks
 * (store/outbox.ts readSinks: endpoints and "any push subscription?" in one statement)
 * against the endpoints-only read it replaced, alternated in one transaction; then whole
 * batches of 1 and of 50 messages with the gate closed (nobody could be notified: no
 * endpoint, no subscription) and open (a subscription exists: jobs are written).
 *
 *   node --conditions=source --import tsx scripts/notification-gate-bench.ts [--rounds 20000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import { openStore } from "../packages/server/src/store/database.js";
import { migrateToLatest } from "../packages/server/src/store/migrate.js";
import { readSinks } from "../packages/server/src/store/outbox.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "20000" } } });
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), "gate-bench-"));
const store = openStore({ dialect: "sqlite", path: join(dir, "chat.db") }, { notificationDelayMs: 1500 });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const micros = (start: bigint) => Number(process.hrtime.bigint() - start) / 1000;

try {
  await migrateToLatest(store, pino({ level: "silent" }));
  const now = Date.now();
  const conversations = await store.db
    .insertInto("conversations")
    .values(
      Array.from({ length: 50 }, (_, i) => ({ kind: "group" as const, title: `g${i}`, created_at: now, last_activity_at: now })),
    )
    .returning("id")
    .execute();
  const ids = conversations.map((c) => c.id);

  // 1. The read alone, old and new alternated in one transaction.
  const old: number[] = [];
  const gate: number[] = [];
  await store.db.transaction().execute(async (trx) => {
    const readOld = async () => {
      const t = process.hrtime.bigint();
      await trx.selectFrom("webhook_endpoints").select("events").execute();
      old.push(micros(t));
    };
    const readNew = async () => {
      const t = process.hrtime.bigint();
      await readSinks(trx);
      gate.push(micros(t));
    };
    // Each goes first every other round, so neither gains from the other's warm-up.
    for (let i = 0; i < rounds; i++) {
      if (i % 2 === 0) {
        await readOld();
        await readNew();
      } else {
        await readNew();
        await readOld();
      }
    }
  });
  console.log(
    `sinks read, median of ${rounds}: endpoints only ${median(old).toFixed(1)} µs, readSinks ${median(gate).toFixed(1)} µs`,
  );

  // 2. Whole batches, gate closed then open.
  let n = 0;
  const batch = async (size: number) => {
    const drafts = Array.from({ length: size }, (_, i) => ({
      conversationId: ids[i % ids.length] as number,
      senderId: 1,
      clientId: `c${n++}`,
      content: "hello there",
    }));
    const t = process.hrtime.bigint();
    await store.writeBatch(drafts);
    return micros(t);
  };
  const measure = async (label: string) => {
    for (const size of [1, 50]) {
      const times: number[] = [];
      const count = size === 1 ? Math.min(rounds, 5000) : Math.min(rounds / 10, 1000);
      for (let i = 0; i < count; i++) times.push(await batch(size));
      const jobs = await store.db
        .selectFrom("notification_jobs")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirst();
      console.log(`${label}: batch of ${size}, median of ${count}: ${median(times).toFixed(1)} µs (jobs in table: ${jobs?.n})`);
    }
  };
  await measure("gate closed");
  await store.db
    .insertInto("push_subscriptions")
    .values({ user_id: 2, endpoint: "https://push.example/x", endpoint_hash: "x", p256dh: "p", auth: "a", created_at: now })
    .execute();
  await measure("gate open ");
} finally {
  await store.destroy();
  rmSync(dir, { recursive: true, force: true });
}
