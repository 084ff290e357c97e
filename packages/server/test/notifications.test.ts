import { randomBytes } from "node:crypto";
import { describeEachDialect, eventually, type Suite, startServer, startSuite, type TestServer } from "@chatapp/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type PushService, startPushService } from "./push-service.js";
import { WebhookReceiver } from "./webhook-receiver.js";

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

/**
 * Who is notified, and when (integrations §4), observed through the `notification.needed`
 * webhook and a push service that decrypts what it gets (test/push-service.ts): offline members within 10 s; never the sender, a member connected anywhere, one who
 * muted the conversation, one who blocks the sender, or one who read it before planning;
 * mentions and replies only above PUSH_GROUP_MENTIONS_ONLY_ABOVE; quick messages collapsed;
 * durable across a planner that stopped or died mid-plan; clears on read.
 */
describeEachDialect("notifications", (dialect) => {
  let receiver: WebhookReceiver;
  let service: PushService;
  let suite: Suite;
  let server: TestServer;
  const extra: TestServer[] = [];
  const env = (receiverUrl: string, secret: string) => ({
    WEBHOOK_URL: receiverUrl,
    WEBHOOK_SECRET: secret,
    WEBHOOK_EVENTS: "notification.needed",
    PUSH_COLLAPSE_MS: "300",
    PUSH_GROUP_MENTIONS_ONLY_ABOVE: "5",
    PUSH_ALLOW_PRIVATE_ENDPOINTS: "true",
  });
  // Short polls and leases keep the suite fast; the rules are the same.
  const tune = (config: { push: { pollMs: number; leaseMs: number } }) => {
    config.push.pollMs = 50;
    config.push.leaseMs = 1500;
  };
  beforeAll(async () => {
    receiver = await WebhookReceiver.start(newSecret());
    service = await startPushService();
    suite = await startSuite(dialect, { env: env(receiver.url, receiver.secret), configure: tune });
    server = suite.server;
  });
  afterAll(async () => {
    await suite?.done(extra);
    await receiver?.close();
    await service?.close();
  });
  afterAll(() => {
    expect(receiver?.invalid ?? []).toEqual([]);
    expect(service?.invalid ?? []).toEqual([]);
  });

  const http = (...args: Parameters<TestServer["http"]>) => server.http(...args);
  const db = () => server.app.store.db;
  const notified = (conversationId: number, userId?: number) =>
    receiver
      .events(
        "notification.needed",
        (d) => d.conversation_id === conversationId && (userId === undefined || d.user_id === userId),
      )
      .map((e) => e.body.data);

  /** Gives the user a browser subscription at the push service (path /u<id>, or /u<id>/<n>). */
  async function subscribe(userId: number, n?: number): Promise<string> {
    const path = n === undefined ? `/u${userId}` : `/u${userId}/${n}`;
    const res = await http("/api/push/subscriptions", { method: "POST", userId, json: service.subscription(path).toJSON() });
    expect(res.status).toBe(201);
    return path;
  }
  const pushed = (path: string) => service.attempts(path).map((p) => p.payload);
  async function users(ids: number[]) {
    for (const id of ids) await http("/api/me", { userId: id });
  }
  async function group(owner: number, members: number[], title = "Team"): Promise<number> {
    await users([owner, ...members]);
    const res = await http("/api/conversations", {
      method: "POST",
      userId: owner,
      json: { kind: "group", title, member_ids: members },
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }
  async function direct(a: number, b: number): Promise<number> {
    await users([a, b]);
    const res = await http("/api/conversations", { method: "POST", userId: a, json: { kind: "direct", user_id: b } });
    return res.body.id;
  }
  async function send(userId: number, conversationId: number, content: string, extraBody: object = {}) {
    const res = await http(`/api/conversations/${conversationId}/messages`, {
      method: "POST",
      userId,
      json: { content, ...extraBody },
    });
    expect(res.status).toBe(201);
    return res.body as { id: number; seq: number };
  }
  /**
   * Everything about the conversation is planned and delivered: no job waits, no event waits
   * for its fan-out or delivery. What has not arrived by then never will.
   */
  async function settled(conversationId: number) {
    await eventually(
      async () => {
        const jobs = await db()
          .selectFrom("notification_jobs")
          .select("id")
          .where("conversation_id", "=", conversationId)
          .execute();
        const events = await db()
          .selectFrom("webhook_events")
          .select("id")
          .where("conversation_id", "=", conversationId)
          .where("fanned", "=", 0)
          .execute();
        const deliveries = await db()
          .selectFrom("webhook_deliveries")
          .select("id")
          .where("order_key", "=", conversationId)
          .execute();
        const pushes = await db()
          .selectFrom("push_deliveries")
          .select("id")
          .where("conversation_id", "=", conversationId)
          .execute();
        return jobs.length + events.length + deliveries.length + pushes.length === 0;
      },
      10_000,
      "notifications planned, delivered and pushed",
    );
  }

  it("(R) notifies an offline member of a direct message within 10 s, never the sender", async () => {
    const [A, B] = [11_001, 11_002];
    const id = await direct(A, B);
    const [pathA, pathB] = [await subscribe(A), await subscribe(B)];
    const started = Date.now();
    const m = await send(A, id, "hello there");
    const event = await receiver.waitFor("notification.needed", (d) => d.conversation_id === id && d.user_id === B);
    expect(event.at - started).toBeLessThan(10_000);
    expect(event.body.data).toEqual({
      user_id: B,
      conversation_id: id,
      message_id: m.id,
      seq: m.seq,
      sender_id: A,
      preview: "hello there",
      conversation_type: "direct",
    });
    const push = await service.waitFor(pathB);
    expect(push.at - started).toBeLessThan(10_000);
    expect(push.payload).toEqual({
      type: "message",
      conversation_id: id,
      message_id: m.id,
      seq: m.seq,
      sender_id: A,
      preview: "hello there",
    });
    await settled(id);
    expect(notified(id, A)).toEqual([]);
    expect(notified(id)).toHaveLength(1);
    expect(pushed(pathA)).toEqual([]);
    expect(pushed(pathB)).toHaveLength(1);
  });

  it("(R) leaves out a connected member, one who muted, one who blocks the sender", async () => {
    const [A, B, C, D, E] = [11_101, 11_102, 11_103, 11_104, 11_105];
    const id = await group(A, [B, C, D, E], "Launch");
    const paths = new Map<number, string>();
    for (const u of [B, C, D, E]) paths.set(u, await subscribe(u));
    const socket = await suite.connect(B);
    expect((await http(`/api/conversations/${id}/mute`, { method: "PUT", userId: D, json: {} })).status).toBe(200);
    expect((await http(`/api/blocks/${A}`, { method: "POST", userId: E })).status).toBe(204);
    // B's connection is recorded (presence writes are spaced a little).
    await eventually(async () => {
      const row = await db().selectFrom("node_users").select("user_id").where("user_id", "=", B).executeTakeFirst();
      return row !== undefined;
    });
    const m = await send(A, id, "launch at noon");
    const event = await receiver.waitFor("notification.needed", (d) => d.conversation_id === id && d.user_id === C);
    expect(event.body.data).toMatchObject({
      user_id: C,
      message_id: m.id,
      sender_id: A,
      conversation_title: "Launch",
      conversation_type: "group",
      preview: "launch at noon",
    });
    await settled(id);
    expect(notified(id).map((d) => d.user_id)).toEqual([C]);
    for (const [u, path] of paths) expect(pushed(path), `pushes to ${u}`).toHaveLength(u === C ? 1 : 0);
    expect(pushed(paths.get(C) as string)[0]).toMatchObject({ conversation_title: "Launch", message_id: m.id });
    await socket.close();
  });

  it("(R) never notifies a member who read the message before it was planned", async () => {
    const [A, C, F] = [11_201, 11_203, 11_206];
    const id = await group(A, [C, F]);
    const [pathC, pathF] = [await subscribe(C), await subscribe(F)];
    // The planner is held: the job waits in the database meanwhile.
    await server.app.notifications.planner.stop();
    try {
      const m = await send(A, id, "read me");
      const read = await http(`/api/conversations/${id}/read`, { method: "POST", userId: F, json: { seq: m.seq } });
      expect(read.status).toBe(200);
      await eventually(async () => {
        const row = await db()
          .selectFrom("members")
          .select("read_seq")
          .where("conversation_id", "=", id)
          .where("user_id", "=", F)
          .executeTakeFirstOrThrow();
        return Number(row.read_seq) >= m.seq;
      });
    } finally {
      server.app.notifications.planner.start();
    }
    await receiver.waitFor("notification.needed", (d) => d.conversation_id === id && d.user_id === C);
    await settled(id);
    expect(notified(id).map((d) => d.user_id)).toEqual([C]);
    expect(pushed(pathC)).toHaveLength(1);
    expect(pushed(pathF)).toEqual([]);
  });

  it("collapses three quick messages into one notification naming the latest", async () => {
    const [A, B] = [11_301, 11_302];
    const id = await direct(A, B);
    const path = await subscribe(B);
    await send(A, id, "one");
    await send(A, id, "two");
    const last = await send(A, id, "three");
    await settled(id);
    expect(notified(id, B)).toHaveLength(1);
    expect(notified(id, B)[0]).toMatchObject({ message_id: last.id, seq: last.seq, preview: "three" });
    expect(pushed(path)).toHaveLength(1);
    expect(pushed(path)[0]).toMatchObject({ message_id: last.id, preview: "three" });
  });

  it("(R) above PUSH_GROUP_MENTIONS_ONLY_ABOVE members, notifies only the mentioned and the replied-to", async () => {
    const [A, B, C, D, E, F, G] = [11_401, 11_402, 11_403, 11_404, 11_405, 11_406, 11_407];
    const id = await group(A, [B, C, D, E, F, G]);
    const first = await send(B, id, "plain words");
    await settled(id);
    // Six others, none mentioned: nobody.
    expect(notified(id)).toEqual([]);
    const m = await send(A, id, "see this", { mentions: [C], reply_to: first.id });
    await settled(id);
    expect(
      notified(id)
        .map((d) => d.user_id)
        .sort(),
    ).toEqual([B, C]);
    for (const d of notified(id)) expect(d).toMatchObject({ message_id: m.id, sender_id: A });
  });

  it("a plan whose planner died mid-plan is made by another once its lease runs out", async () => {
    const [A, B] = [11_501, 11_502];
    const id = await direct(A, B);
    await server.app.notifications.planner.stop();
    let claimedAt = 0;
    try {
      await send(A, id, "survives");
      // A node claimed the job and died: its lease holds it for a while.
      await eventually(async () => {
        const claimed = await db()
          .updateTable("notification_jobs")
          .set({ lease_until: Date.now() + 1000, lease_owner: "a-node-that-died" })
          .where("conversation_id", "=", id)
          .executeTakeFirst();
        claimedAt = Date.now();
        return Number(claimed.numUpdatedRows) > 0;
      });
    } finally {
      server.app.notifications.planner.start();
    }
    const event = await receiver.waitFor("notification.needed", (d) => d.conversation_id === id && d.user_id === B);
    expect(event.at).toBeGreaterThanOrEqual(claimedAt + 900);
    await settled(id);
    expect(notified(id, B)).toHaveLength(1);
  });

  it("pushes to each subscription, and a clear to each when the notification is read", async () => {
    const [A, B] = [11_601, 11_602];
    const id = await direct(A, B);
    const paths = [await subscribe(B, 1), await subscribe(B, 2)];
    const m = await send(A, id, "push me");
    for (const path of paths) {
      const push = await service.waitFor(path);
      expect(push.payload).toEqual({
        type: "message",
        conversation_id: id,
        message_id: m.id,
        seq: m.seq,
        sender_id: A,
        preview: "push me",
      });
    }
    const recorded = await db().selectFrom("push_notified").selectAll().where("user_id", "=", B).execute();
    expect(recorded.map((r) => [Number(r.conversation_id), Number(r.seq)])).toEqual([[id, m.seq]]);
    // Reading it on any device: each subscription is told, and the record goes.
    await http(`/api/conversations/${id}/read`, { method: "POST", userId: B, json: { seq: m.seq } });
    for (const path of paths) {
      const clear = await service.waitFor(path, (p) => p.payload.type === "clear");
      expect(clear.payload).toEqual({ type: "clear", conversation_id: id, seq: m.seq });
    }
    await eventually(
      async () => (await db().selectFrom("push_notified").selectAll().where("user_id", "=", B).execute()).length === 0,
    );
    // Reading again sends nothing more.
    await http(`/api/conversations/${id}/read`, { method: "POST", userId: B, json: { seq: m.seq } });
    await settled(id);
    for (const path of paths) expect(pushed(path).map((p) => p.type)).toEqual(["message", "clear"]);
  });

  it("(R) jobs left by a stopped server are planned after a restart; PUSH_PREVIEWS=false sends no content", async () => {
    const [A, B] = [11_701, 11_702];
    const id = await direct(A, B);
    const path = await subscribe(B);
    await server.app.notifications.planner.stop();
    const m = await send(A, id, "secret words");
    await server.stop();
    const restarted = await startServer(suite.database, {
      env: { ...env(receiver.url, receiver.secret), PUSH_PREVIEWS: "false" },
      configure: tune,
    });
    extra.push(restarted);
    server = restarted;
    const event = await receiver.waitFor("notification.needed", (d) => d.conversation_id === id && d.user_id === B);
    expect(event.body.data).toEqual({
      user_id: B,
      conversation_id: id,
      message_id: m.id,
      seq: m.seq,
      sender_id: A,
      conversation_type: "direct",
    });
    expect(event.raw).not.toContain("secret");
    const push = await service.waitFor(path);
    expect(push.payload).toEqual({ type: "message", conversation_id: id, message_id: m.id, seq: m.seq, sender_id: A });
    expect(push.plaintext).not.toContain("secret");
  });
});
