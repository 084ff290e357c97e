import { randomBytes } from "node:crypto";
import { WEBHOOK_EVENT_TYPES } from "@chatapp/protocol";
import { describeEachDialect, eventually, type Suite, startSuite } from "@chatapp/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { appendEvents } from "../src/store/outbox.js";
import { WebhookReceiver } from "./webhook-receiver.js";

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
const ADMIN_KEY = "webhook-admin-key-0123456789-abcdefghijkl";
/**
 * The worker's timings, shortened (production: a 1 s poll, retries from 1 s): each test waits
 * for deliveries, and a poll of 1 s cost about a second per wait. The retry schedule keeps its
 * shape (doubling, jitter), at a fifth of the scale; backoff.test.ts checks the real one.
 */
const POLL_MS = 50;
const FIRST_RETRY_MS = 200;

describeEachDialect("webhooks", (dialect) => {
  let receiver: WebhookReceiver;
  let suite: Suite;
  const extra: WebhookReceiver[] = [];
  beforeAll(async () => {
    receiver = await WebhookReceiver.start(newSecret());
    suite = await startSuite(dialect, {
      env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: receiver.secret, ADMIN_API_KEY: ADMIN_KEY },
      configure: (config) => {
        config.webhooks.pollMs = POLL_MS;
        config.webhooks.firstRetryMs = FIRST_RETRY_MS;
      },
    });
  });
  afterAll(async () => {
    await suite?.done();
    for (const r of [receiver, ...extra]) await r?.close();
  });
  afterAll(() => {
    // Every request any receiver got carried a valid Standard Webhooks signature.
    for (const r of [receiver, ...extra]) expect(r?.invalid ?? []).toEqual([]);
  });
  const http = (...args: Parameters<Suite["server"]["http"]>) => suite.server.http(...args);

  async function group(owner: number, members: number[], title = "Team") {
    for (const id of [owner, ...members]) await http("/api/me", { userId: id });
    const res = await http("/api/conversations", {
      method: "POST",
      userId: owner,
      json: { kind: "group", title, member_ids: members },
    });
    expect(res.status).toBe(201);
    return res.body as { id: number };
  }
  const send = async (userId: number, conversationId: number, content: string, clientId?: string) => {
    const res = await http(`/api/conversations/${conversationId}/messages`, {
      method: "POST",
      userId,
      json: { content, ...(clientId ? { client_id: clientId } : {}) },
    });
    expect(res.status).toBe(201);
    return res.body as { id: number; seq: number };
  };

  it("sends user.created on registration and on a token's first use, once", async () => {
    const reg = await http("/api/auth/register", {
      method: "POST",
      json: { username: "hookann", password: "correct horse battery" },
    });
    expect(reg.status).toBe(201);
    const created = await receiver.waitFor("user.created", (d) => d.id === reg.body.user.id);
    expect(created.body.data).toEqual({ id: reg.body.user.id, username: "hookann", display_name: "hookann", bot: false });
    expect(created.headers["content-type"]).toBe("application/json");
    expect(created.body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    await http("/api/me", { userId: 4100 });
    await http("/api/me", { userId: 4100 });
    const provisioned = await receiver.waitFor("user.created", (d) => d.id === 4100);
    expect(provisioned.body.data).toEqual({ id: 4100, username: null, display_name: null, bot: false });
    // A later event has been delivered: the repeat made no second user.created.
    await http("/api/me", { userId: 4101 });
    await receiver.waitFor("user.created", (d) => d.id === 4101);
    expect(receiver.events("user.created", (d) => d.id === 4100)).toHaveLength(1);
  });

  it("sends user.created when the admin API creates a user, bot included", async () => {
    const res = await http("/api/admin/users", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      json: { id: 4150, username: "hookbot", display_name: "Hook Bot", bot: true },
    });
    expect(res.status).toBe(201);
    const created = await receiver.waitFor("user.created", (d) => d.id === 4150);
    expect(created.body.data).toEqual({ id: 4150, username: "hookbot", display_name: "Hook Bot", bot: true });
  });

  it("sends member.added at a group's creation, then its system message, in order", async () => {
    const g = await group(4201, [4202, 4203], "Hooks");
    const added = await receiver.waitFor("member.added", (d) => d.conversation_id === g.id);
    expect(added.body.data).toEqual({ conversation_id: g.id, user_ids: [4201, 4202, 4203], by: 4201 });
    const system = await receiver.waitFor("message.created", (d) => d.conversation_id === g.id);
    expect(system.body.data).toMatchObject({
      conversation_id: g.id,
      seq: 1,
      sender_id: 4201,
      kind: "system",
      system: { event: "conversation_created", title: "Hooks" },
    });
    expect(system.body.data).not.toHaveProperty("receiver_id");
    expect(receiver.delivered.indexOf(added)).toBeLessThan(receiver.delivered.indexOf(system));
  });

  it("sends message.created as history shows the message, receiver_id in direct conversations", async () => {
    await http("/api/me", { userId: 4302 });
    const direct = await http("/api/conversations", { method: "POST", userId: 4301, json: { kind: "direct", user_id: 4302 } });
    const joined = await receiver.waitFor("member.added", (d) => d.conversation_id === direct.body.id);
    expect(joined.body.data).toEqual({ conversation_id: direct.body.id, user_ids: [4301, 4302], by: 4301 });
    const sent = await send(4301, direct.body.id, "hello hook", "c-4301");
    const event = await receiver.waitFor("message.created", (d) => d.id === sent.id);
    const history = await http(`/api/conversations/${direct.body.id}/messages`, { userId: 4301 });
    const { status: _status, ...shown } = history.body.messages.find((m: any) => m.id === sent.id);
    expect(event.body.data).toEqual({ ...shown, kind: "user" });
    expect(event.body.data).toMatchObject({ receiver_id: 4302, client_id: "c-4301", content: "hello hook", sender_id: 4301 });
    expect(event.body.timestamp).toBe(shown.timestamp);
  });

  it("sends message.updated and message.deleted as snapshots taken with each change", async () => {
    const g = await group(4401, [4402]);
    const sent = await send(4401, g.id, "first text");
    const edited = await http(`/api/messages/${sent.id}`, { method: "PATCH", userId: 4401, json: { content: "second text" } });
    expect(edited.status).toBe(200);
    const deleted = await http(`/api/messages/${sent.id}`, { method: "DELETE", userId: 4401 });
    expect(deleted.status).toBe(200);
    const updated = await receiver.waitFor("message.updated", (d) => d.id === sent.id);
    // The edit's snapshot, though the message was deleted before it was sent.
    expect(updated.body.data).toMatchObject({
      id: sent.id,
      conversation_id: g.id,
      seq: sent.seq,
      content: "second text",
      kind: "user",
    });
    expect(updated.body.data.edited_at).toBe(edited.body.edited_at);
    const gone = await receiver.waitFor("message.deleted", (d) => d.id === sent.id);
    expect(gone.body.data).toEqual({ id: sent.id, conversation_id: g.id, seq: sent.seq });
    const order = receiver.delivered.filter((r) => r.body.data.conversation_id === g.id).map((r) => r.body.type);
    expect(order.slice(-3)).toEqual(["message.created", "message.updated", "message.deleted"]);
  });

  it("sends message.deleted for each message an erasure deletes", async () => {
    const g = await group(4651, [4652]);
    const mine = await http(`/api/conversations/${g.id}/messages`, {
      method: "POST",
      userId: 4652,
      json: { content: "erase me" },
    });
    expect(mine.status).toBe(201);
    const erased = await http("/api/admin/users/4652", { method: "DELETE", headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(erased.status).toBe(200);
    const gone = await receiver.waitFor("message.deleted", (d) => d.id === mine.body.id);
    expect(gone.body.data).toEqual({ id: mine.body.id, conversation_id: g.id, seq: mine.body.seq });
  });

  it("sends member.added and member.removed for adds, removals and leaving, with who did it", async () => {
    const g = await group(4501, [4502]);
    await http("/api/me", { userId: 4503 });
    expect(
      (await http(`/api/conversations/${g.id}/members`, { method: "POST", userId: 4501, json: { user_ids: [4503] } })).status,
    ).toBe(200);
    expect((await http(`/api/conversations/${g.id}/members/4502`, { method: "DELETE", userId: 4501 })).status).toBe(204);
    expect((await http(`/api/conversations/${g.id}/members/4503`, { method: "DELETE", userId: 4503 })).status).toBe(204);
    const added = await receiver.waitFor("member.added", (d) => d.conversation_id === g.id && d.user_ids.includes(4503));
    expect(added.body.data).toEqual({ conversation_id: g.id, user_ids: [4503], by: 4501 });
    const removed = await receiver.waitFor("member.removed", (d) => d.conversation_id === g.id && d.user_id === 4502);
    expect(removed.body.data).toEqual({ conversation_id: g.id, user_id: 4502, by: 4501 });
    const left = await receiver.waitFor("member.removed", (d) => d.conversation_id === g.id && d.user_id === 4503);
    expect(left.body.data).toEqual({ conversation_id: g.id, user_id: 4503, by: 4503 });
  });

  it("stores nothing for a change whose transaction rolls back", async () => {
    const { db } = suite.server.app.store;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto("users").values({ id: 4601, created_at: Date.now() }).execute();
        await appendEvents(trx, [{ type: "user.created", conversationId: null, data: { id: 4601 } }]);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    // A later user's event arrives; the rolled-back one never does, and left no row behind.
    await http("/api/me", { userId: 4602 });
    await receiver.waitFor("user.created", (d) => d.id === 4602);
    expect(receiver.events("user.created", (d) => d.id === 4601)).toEqual([]);
    const rows = await db.selectFrom("webhook_events").select("data").execute();
    expect(rows.filter((r) => JSON.parse(r.data).id === 4601)).toEqual([]);
  });

  it("retries a failed delivery with the same webhook-id and body, backing off from the first retry's delay", async () => {
    const g = await group(4701, [4702]);
    receiver.respond = (r, attempt) => (r.body.data.content === "retry me" && attempt <= 3 ? 503 : 200);
    try {
      const sent = await send(4701, g.id, "retry me");
      await receiver.waitFor("message.created", (d) => d.id === sent.id);
      const tries = receiver.received.filter((r) => r.body.type === "message.created" && r.body.data.id === sent.id);
      expect(tries.map((t) => t.status)).toEqual([503, 503, 503, 200]);
      expect(new Set(tries.map((t) => t.id)).size).toBe(1);
      expect(new Set(tries.map((t) => t.raw)).size).toBe(1);
      expect(tries.at(-1)?.timestamp).toBeGreaterThan(tries[0]?.timestamp as number);
      const gaps = tries.slice(1).map((t, i) => t.at - (tries[i] as { at: number }).at);
      // About 1, 2 and 4 times the first retry's delay (±20 % jitter, plus the worker's poll
      // and a loaded machine's slack): 1 s, 2 s, 4 s in production.
      expect(gaps[0]).toBeGreaterThanOrEqual(0.75 * FIRST_RETRY_MS);
      expect(gaps[0]).toBeLessThan(2.6 * FIRST_RETRY_MS + POLL_MS);
      expect(gaps[1]).toBeGreaterThanOrEqual(1.55 * FIRST_RETRY_MS);
      expect(gaps[2]).toBeGreaterThanOrEqual(3.15 * FIRST_RETRY_MS);
    } finally {
      receiver.respond = () => 200;
    }
  });

  it("keeps one conversation's order while its head fails, and other conversations flowing", async () => {
    const a = await group(4801, [4802], "A");
    const b = await group(4803, [4804], "B");
    await receiver.waitFor("message.created", (d) => d.conversation_id === b.id && d.seq === 1);
    receiver.respond = (r, attempt) => (r.body.data.content === "a1" && attempt <= 2 ? 500 : 200);
    try {
      const sent: { id: number; seq: number }[] = [];
      for (const text of ["a1", "a2", "a3", "a4"]) sent.push(await send(4801, a.id, text));
      const other = await send(4803, b.id, "b1");
      await receiver.waitFor("message.created", (d) => d.id === (sent.at(-1) as { id: number }).id);
      const inA = receiver.received.filter((r) => r.body.type === "message.created" && r.body.data.conversation_id === a.id);
      // a2 was not even attempted before a1 was answered 2xx.
      expect(inA.map((r) => [r.body.data.content, r.status])).toEqual([
        ['created the group "A"', 200],
        ["a1", 500],
        ["a1", 500],
        ["a1", 200],
        ["a2", 200],
        ["a3", 200],
        ["a4", 200],
      ]);
      // B's message did not wait for A's failing head.
      const b1 = receiver.events("message.created", (d) => d.id === other.id)[0];
      const a1 = receiver.events("message.created", (d) => d.content === "a1" && d.conversation_id === a.id)[0];
      expect((b1 as { at: number }).at).toBeLessThan((a1 as { at: number }).at);
    } finally {
      receiver.respond = () => 200;
    }
  });

  it("does not let a dead endpoint stall another endpoint or the chat", { timeout: 30_000 }, async () => {
    // An endpoint that never answers (each request is held until the test ends) and one that does.
    const dead = await WebhookReceiver.start(newSecret());
    dead.respond = () => 600;
    const live = await WebhookReceiver.start(newSecret());
    extra.push(dead, live);
    const { endpoints } = suite.server.app.webhooks;
    await endpoints.create({ url: dead.url, secret: dead.secret, events: ["message.created"] });
    await endpoints.create({ url: live.url, secret: live.secret, events: ["message.created"] });
    const groups: { id: number }[] = [];
    for (let i = 0; i < 12; i++) groups.push(await group(4901, [4902], `dead ${i}`));
    const started = Date.now();
    const sent: { id: number }[] = [];
    for (const g of groups) sent.push(await send(4901, g.id, "to every endpoint"));
    // The chat did not wait on any endpoint.
    expect(Date.now() - started).toBeLessThan(5000);
    await eventually(
      () => sent.every((s) => live.events("message.created", (d) => d.id === s.id).length === 1),
      10_000,
      "live deliveries",
    );
    // The dead endpoint holds at most its own share of attempts: before the first of them can
    // time out (10 s) and free its place, no more than 8 arrived.
    expect(dead.received.length).toBeGreaterThan(0);
    const firstAt = (dead.received[0] as { at: number }).at;
    expect(dead.received.filter((r) => r.at < firstAt + 9000).length).toBeLessThanOrEqual(8);
  });

  const admin = (path: string, init: { method?: string; json?: unknown; key?: string | null } = {}) =>
    http(path, {
      method: init.method ?? "GET",
      ...(init.json === undefined ? {} : { json: init.json }),
      headers: init.key === null ? {} : { authorization: `Bearer ${init.key ?? ADMIN_KEY}` },
    });

  it("(R) creates, lists and deletes endpoints through the admin API; an endpoint gets what it subscribed to", async () => {
    const hook = await WebhookReceiver.start(newSecret());
    extra.push(hook);
    const created = await admin("/api/admin/webhooks", { method: "POST", json: { url: hook.url, events: ["member.added"] } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      url: hook.url,
      events: ["member.added"],
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+={0,2}$/),
      created_at: expect.stringMatching(/Z$/),
    });
    expect(Buffer.from(created.body.secret.slice(6), "base64").length).toBeGreaterThanOrEqual(24);
    hook.useSecret(created.body.secret);
    const listed = await admin("/api/admin/webhooks");
    expect(listed.status).toBe(200);
    expect(listed.body).toContainEqual({
      id: created.body.id,
      url: hook.url,
      events: ["member.added"],
      created_at: created.body.created_at,
    });
    for (const e of listed.body) expect(e).not.toHaveProperty("secret");

    const g = await group(5101, [5102], "subscribed");
    const got = await hook.waitFor("member.added", (d) => d.conversation_id === g.id);
    expect(got.body.data).toEqual({ conversation_id: g.id, user_ids: [5101, 5102], by: 5101 });
    // Only the type it asked for.
    await receiver.waitFor("message.created", (d) => d.conversation_id === g.id);
    expect(hook.received.filter((r) => r.body.type !== "member.added")).toEqual([]);

    // A given secret is kept; an endpoint that is deleted gets nothing further.
    const secret = newSecret();
    const own = await admin("/api/admin/webhooks", { method: "POST", json: { url: `${hook.url}?second`, secret } });
    expect(own.status).toBe(201);
    expect(own.body.secret).toBe(secret);
    expect(own.body.events).toEqual([...WEBHOOK_EVENT_TYPES]);
    expect((await admin(`/api/admin/webhooks/${own.body.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await admin(`/api/admin/webhooks/${created.body.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await admin(`/api/admin/webhooks/${created.body.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await admin("/api/admin/webhooks")).body.map((e: any) => e.id)).not.toContain(created.body.id);
    const after = await group(5101, [5102], "after delete");
    await receiver.waitFor("member.added", (d) => d.conversation_id === after.id);
    await receiver.waitFor("message.created", (d) => d.conversation_id === after.id);
    expect(hook.events("member.added", (d) => d.conversation_id === after.id)).toEqual([]);
    expect(hook.invalid).toEqual([]);
    // Each change is in the audit log, without the secret.
    const audit = await admin("/api/admin/audit");
    const actions = audit.body.entries.map((e: any) => [e.action, e.target_id]);
    expect(actions).toContainEqual(["webhook.create", created.body.id]);
    expect(actions).toContainEqual(["webhook.delete", created.body.id]);
    expect(JSON.stringify(audit.body)).not.toContain(secret);
  });

  it("(R) refuses unknown event types, non-http URLs, bad secrets and missing keys", async () => {
    const bad = async (json: unknown) => {
      const res = await admin("/api/admin/webhooks", { method: "POST", json });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    };
    await bad({ url: "https://example.com/h", events: ["message.exploded"] });
    await bad({ url: "ftp://example.com/h" });
    await bad({ url: "not a url" });
    await bad({ url: "https://example.com/h", secret: "whsec_tooshort" });
    await bad({ events: ["message.created"] });
    expect((await admin("/api/admin/webhooks", { key: null })).status).toBe(401);
    expect(
      (await admin("/api/admin/webhooks", { method: "POST", key: "wrong-key-0123456789-0123456789-xx", json: {} })).status,
    ).toBe(401);
    expect((await admin("/api/admin/webhooks/999999", { method: "DELETE" })).status).toBe(404);
  });

  it("reports the outbox in /metrics", async () => {
    const res = await fetch(`${suite.server.url}/metrics`);
    const text = await res.text();
    for (const name of [
      "chatapp_webhook_pending",
      "chatapp_webhook_oldest_pending_seconds",
      "chatapp_webhook_delivered_total",
      "chatapp_webhook_failed_attempts_total",
      "chatapp_webhook_dropped_total",
    ]) {
      expect(text).toContain(name);
    }
    expect(Number(/chatapp_webhook_delivered_total (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
  });
});
