import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTestDatabase,
  type DialectName,
  describeEachDialect,
  eventually,
  exited,
  signTestToken,
  startServerProcess,
  TEST_SECRET,
  type TestDatabase,
} from "@chatapp/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { WebhookReceiver } from "./webhook-receiver.js";

/** DATABASE_URL for the real CLI, naming the test's own database. */
function databaseUrl(db: TestDatabase): string {
  const c = db.config;
  if (c.dialect === "sqlite") return `sqlite:${c.path}`;
  if (c.dialect === "postgres") return c.connectionString;
  return `mysql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${c.database}`;
}

describeEachDialect("webhooks survive a SIGKILL", (dialect: DialectName) => {
  let database: TestDatabase;
  let receiver: WebhookReceiver;
  const dir = mkdtempSync(join(tmpdir(), "chatapp-webhook-crash-"));
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    receiver = await WebhookReceiver.start(`whsec_${randomBytes(32).toString("base64")}`);
  });
  afterAll(async () => {
    await receiver?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("(R) a node killed mid-delivery: after a restart every event arrives, in order", { timeout: 120_000 }, async () => {
    const env = {
      JWT_SECRET: TEST_SECRET,
      DATABASE_URL: databaseUrl(database),
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: receiver.secret,
      WEBHOOK_EVENTS: "message.created",
      LINK_PREVIEWS: "false",
    };
    // The first attempt of m3 is held unanswered: the node dies with it in flight.
    receiver.respond = (r, attempt) => (r.body.data.content === "m3" && attempt === 1 ? 600 : 200);
    const first = await startServerProcess(env, dir);
    const api = async (port: number, path: string, userId: number, json: unknown) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${await signTestToken(userId)}`, "content-type": "application/json" },
        body: JSON.stringify(json),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as any;
    };
    // Member 72 exists once its token has been used.
    await fetch(`http://127.0.0.1:${first.port}/api/me`, { headers: { authorization: `Bearer ${await signTestToken(72)}` } });
    const group = await api(first.port, "/api/conversations", 71, { kind: "group", title: "crash", member_ids: [72] });
    for (let i = 1; i <= 6; i++) await api(first.port, `/api/conversations/${group.id}/messages`, 71, { content: `m${i}` });
    await eventually(() => receiver.received.some((r) => r.body.data.content === "m3"), 15_000, "m3 in flight");
    const killed = exited(first.child);
    first.child.kill("SIGKILL");
    await killed;
    // Sent after the crash's restart: stored and delivered behind the others.
    const second = await startServerProcess(env, dir);
    try {
      await api(second.port, `/api/conversations/${group.id}/messages`, 71, { content: "m7" });
      const contents = () =>
        receiver.delivered.filter((r) => r.body.data.conversation_id === group.id).map((r) => r.body.data.content);
      await eventually(() => contents().includes("m7"), 60_000, "every message delivered after the restart");
      expect(contents()).toEqual(['created the group "crash"', "m1", "m2", "m3", "m4", "m5", "m6", "m7"]);
      // m3 went out again with the same webhook-id (a retry, not a new event).
      const m3 = receiver.received.filter((r) => r.body.data.content === "m3");
      expect(m3.length).toBe(2);
      expect(m3[0]?.id).toBe(m3[1]?.id);
      expect(receiver.invalid).toEqual([]);
    } finally {
      const stopped = exited(second.child);
      second.child.kill("SIGTERM");
      await stopped;
    }
  });
});
