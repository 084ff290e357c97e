import { createECDH, randomBytes } from "node:crypto";
import { describeEachDialect, eventually, startServer, useSuite } from "@chatapp/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { QueuedPush } from "../src/store/push-deliveries-repo.js";
import { type PushService, startPushService } from "./push-service.js";

const TTL_SECONDS = 3600;

/**
 * The push sender (integrations contract §4) against a local push service that verifies the
 * VAPID JWT and decrypts every push: what a queued push looks like on the wire, and what each
 * answer of the push service leads to (410 removes the subscription, 429's Retry-After is
 * honoured, 5xx is retried, another 4xx drops the push), and collapsing per conversation.
 * Pushes are queued with PushDeliveriesRepo.queue, as the notification planner does.
 */
describeEachDialect("push delivery", (dialect) => {
  const logLines: string[] = [];
  const suite = useSuite(dialect, {
    env: {
      PUSH_ALLOW_PRIVATE_ENDPOINTS: "true",
      PUSH_TTL_SECONDS: String(TTL_SECONDS),
      VAPID_SUBJECT: "mailto:ops@chat.example",
    },
    logLines,
    configure: (c) => {
      c.push.pollMs = 50;
    },
  });
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  let service: PushService;
  beforeAll(async () => {
    service = await startPushService();
  });
  afterAll(async () => {
    await service?.close();
  });
  afterAll(() => {
    // Every push the service got carried a valid VAPID JWT and decrypted.
    expect(service?.invalid ?? []).toEqual([]);
  });

  /** Subscribes `userId` at the push service's `path` through the API; answers the subscription's id. */
  const subscribe = async (userId: number, path: string): Promise<number> => {
    const res = await http("/api/push/subscriptions", { method: "POST", userId, json: service.subscription(path).toJSON() });
    expect(res.status).toBe(201);
    return res.body.id as number;
  };
  const payload = (conversationId: number, seq: number, preview = `message ${seq}`) =>
    JSON.stringify({ type: "message", conversation_id: conversationId, message_id: 1000 + seq, seq, sender_id: 1, preview });
  /** Queues pushes in one transaction, as the planner does, and wakes the sender. */
  const queue = async (...pushes: QueuedPush[]) => {
    const { app } = suite().server;
    await app.store.db.transaction().execute((trx) => app.push.deliveries.queue(trx, pushes, Date.now()));
    app.push.wake();
  };
  const queuedFor = async (subscriptionId: number) =>
    Number(
      (
        await suite()
          .server.app.store.db.selectFrom("push_deliveries")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("subscription_id", "=", subscriptionId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("(R) sends a queued push: aes128gcm for the subscription, TTL, VAPID JWT and key, Topic", async () => {
    const id = await subscribe(9001, "/ann");
    await queue({ subscriptionId: id, conversationId: 71, payload: payload(71, 1, "hi Ann ✓") });
    const push = await service.waitFor("/ann");
    expect(push.payload).toEqual({
      type: "message",
      conversation_id: 71,
      message_id: 1001,
      seq: 1,
      sender_id: 1,
      preview: "hi Ann ✓",
    });
    expect(push.headers["content-encoding"]).toBe("aes128gcm");
    expect(push.ttl).toBe(TTL_SECONDS);
    const publicKey = (await http("/api/push/vapid-public-key", { userId: 9001 })).body.public_key;
    expect(push.vapidKey).toBe(publicKey);
    expect(push.headers.authorization).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
    expect(push.claims.aud).toBe(service.origin);
    expect(push.claims.sub).toBe("mailto:ops@chat.example");
    expect(push.claims.exp as number).toBeGreaterThan(Date.now() / 1000);
    expect(push.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    await eventually(async () => (await queuedFor(id)) === 0, 5000, "the sent push to leave the queue");

    // One topic per conversation: the same for another push of conversation 71, another for 72.
    await queue({ subscriptionId: id, conversationId: 71, payload: payload(71, 2) });
    await queue({ subscriptionId: id, conversationId: 72, payload: payload(72, 1) });
    const again = await service.waitFor("/ann", (p) => p.payload.conversation_id === 71 && p.payload.seq === 2);
    const other = await service.waitFor("/ann", (p) => p.payload.conversation_id === 72);
    expect(again.topic).toBe(push.topic);
    expect(other.topic).not.toBe(push.topic);
    expect(service.attempts("/ann")).toHaveLength(3);
  });

  it("collapses: two payloads queued for one (subscription, conversation) before sending give one push, the latest", async () => {
    const id = await subscribe(9011, "/bob");
    const { app } = suite().server;
    await app.store.db.transaction().execute(async (trx) => {
      await app.push.deliveries.queue(trx, [{ subscriptionId: id, conversationId: 81, payload: payload(81, 1) }], Date.now());
      await app.push.deliveries.queue(trx, [{ subscriptionId: id, conversationId: 81, payload: payload(81, 2) }], Date.now());
    });
    app.push.wake();
    await service.waitFor("/bob", (p) => p.payload.seq === 2);
    // A later push to the same browser has arrived: nothing of seq 1 came before or after.
    await queue({ subscriptionId: id, conversationId: 82, payload: payload(82, 1) });
    await service.waitFor("/bob", (p) => p.payload.conversation_id === 82);
    expect(service.attempts("/bob").map((p) => [p.payload.conversation_id, p.payload.seq])).toEqual([
      [81, 2],
      [82, 1],
    ]);
  });

  it("sends a newer payload that replaced the one in flight, after it", async () => {
    const id = await subscribe(9015, "/slow");
    // The first push is answered 300 ms after it arrives; the newer one is queued meanwhile.
    service.answer("/slow", 201, {}, 1, 300);
    await queue({ subscriptionId: id, conversationId: 85, payload: payload(85, 1) });
    await eventually(() => service.attempts("/slow").length === 1, 5000, "the first push to arrive");
    await queue({ subscriptionId: id, conversationId: 85, payload: payload(85, 2) });
    await service.waitFor("/slow", (p) => p.payload.seq === 2);
    expect(service.attempts("/slow").map((p) => p.payload.seq)).toEqual([1, 2]);
    await eventually(async () => (await queuedFor(id)) === 0, 5000, "the queue to empty");
  });

  it("(R) 410 deletes the subscription at once: gone from the list, no further pushes", async () => {
    const U = 9021;
    const gone = await subscribe(U, "/gone");
    const kept = await subscribe(U, "/kept");
    service.answer("/gone", 410, {}, Number.POSITIVE_INFINITY);
    // Another push waits for it, due in a minute: the removal takes it too.
    const { app } = suite().server;
    await app.push.deliveries.queue(
      app.store.db,
      [{ subscriptionId: gone, conversationId: 92, payload: payload(92, 1) }],
      Date.now() + 60_000,
    );
    await queue({ subscriptionId: gone, conversationId: 91, payload: payload(91, 1) });
    await eventually(
      async () => !((await http("/api/push/subscriptions", { userId: U })).body as any[]).some((s) => s.id === gone),
      10_000,
      "the subscription to be removed",
    );
    // Its other queued push went with it.
    expect(await queuedFor(gone)).toBe(0);
    expect(service.attempts("/gone")).toHaveLength(1);
    expect((await http("/api/push/subscriptions", { userId: U })).body.map((s: any) => s.id)).toEqual([kept]);
    // A push queued for it afterwards (the planner read its id just before) is not sent.
    await queue(
      { subscriptionId: gone, conversationId: 93, payload: payload(93, 1) },
      { subscriptionId: kept, conversationId: 93, payload: payload(93, 1) },
    );
    await service.waitFor("/kept", (p) => p.payload.conversation_id === 93);
    await eventually(async () => (await queuedFor(gone)) === 0, 5000, "the orphaned push to be discarded");
    expect(service.attempts("/gone")).toHaveLength(1);
  });

  it("404 deletes the subscription as 410 does", async () => {
    const id = await subscribe(9025, "/missing");
    service.answer("/missing", 404);
    await queue({ subscriptionId: id, conversationId: 95, payload: payload(95, 1) });
    await eventually(
      async () => ((await http("/api/push/subscriptions", { userId: 9025 })).body as any[]).length === 0,
      10_000,
      "the subscription to be removed",
    );
  });

  it("honours 429's Retry-After, then delivers", async () => {
    const id = await subscribe(9031, "/busy");
    service.answer("/busy", 429, { "retry-after": "2" });
    await queue({ subscriptionId: id, conversationId: 101, payload: payload(101, 1) });
    const delivered = await service.waitFor("/busy", () => true, 10_000);
    const [refused] = service.attempts("/busy");
    expect(refused?.status).toBe(429);
    expect(service.attempts("/busy")).toHaveLength(2);
    // Not before the 2 s asked for (the service stamps arrival; the sender counts from the answer).
    expect(delivered.at - (refused?.at ?? 0)).toBeGreaterThanOrEqual(1950);
    expect(delivered.at - (refused?.at ?? 0)).toBeLessThan(5000);
    expect(delivered.payload.seq).toBe(1);
  });

  it("retries a 5xx after a backoff, then delivers", async () => {
    const id = await subscribe(9041, "/flaky");
    service.answer("/flaky", 503);
    await queue({ subscriptionId: id, conversationId: 111, payload: payload(111, 1) });
    await service.waitFor("/flaky", () => true, 15_000);
    expect(service.attempts("/flaky").map((p) => p.status)).toEqual([503, 201]);
    // Still subscribed: a failing push service is not a gone subscription.
    expect(((await http("/api/push/subscriptions", { userId: 9041 })).body as any[]).length).toBe(1);
  });

  it("drops a push another 4xx refuses (no retry), logging a warning, and keeps the subscription", async () => {
    const id = await subscribe(9051, "/refuses");
    service.answer("/refuses", 400);
    await queue({ subscriptionId: id, conversationId: 121, payload: payload(121, 1) });
    await eventually(async () => (await queuedFor(id)) === 0, 10_000, "the refused push to be dropped");
    expect(service.attempts("/refuses")).toHaveLength(1);
    const warning = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === "web push dropped" && l.subscription_id === id);
    expect(warning).toMatchObject({ reason: "rejected", status: 400, conversation_id: 121, origin: service.origin });
    // The endpoint (a capability URL) is not in the log.
    expect(JSON.stringify(warning)).not.toContain("/refuses");
    expect(((await http("/api/push/subscriptions", { userId: 9051 })).body as any[]).length).toBe(1);
  });

  it("drops a push still failing past the age limit", async () => {
    const id = await subscribe(9061, "/down");
    service.answer("/down", 503, {}, Number.POSITIVE_INFINITY);
    const { app } = suite().server;
    // Queued as if an hour ago (the age limit): the first failure gives up.
    await app.push.deliveries.queue(
      app.store.db,
      [{ subscriptionId: id, conversationId: 131, payload: payload(131, 1) }],
      Date.now() - app.config.push.maxAgeMs + 500,
    );
    app.push.wake();
    await eventually(async () => (await queuedFor(id)) === 0, 10_000, "the expired push to be dropped");
    expect(service.attempts("/down")).toHaveLength(1);
    const warning = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === "web push dropped" && l.subscription_id === id);
    expect(warning).toMatchObject({ reason: "expired", status: 503 });
  });

  it("two nodes on one database send each queued push once", async () => {
    const other = await startServer(suite().database, {
      env: { PUSH_ALLOW_PRIVATE_ENDPOINTS: "true" },
      configure: (c) => {
        c.push.pollMs = 50;
      },
    });
    try {
      const paths = Array.from({ length: 40 }, (_, i) => `/node-${i}`);
      const ids: number[] = [];
      for (const [i, path] of paths.entries()) ids.push(await subscribe(9100 + i, path));
      await queue(...ids.map((id) => ({ subscriptionId: id, conversationId: 141, payload: payload(141, 1) })));
      other.app.push.wake();
      await eventually(() => paths.every((p) => service.delivered(p).length === 1), 10_000, "every push to arrive");
      for (const id of ids) await eventually(async () => (await queuedFor(id)) === 0, 5000, "the queue to empty");
      expect(paths.map((p) => service.attempts(p).length)).toEqual(paths.map(() => 1));
    } finally {
      await other.stop();
    }
  });

  it("the test service refuses a push encrypted for other keys (its checks are real)", () => {
    const sub = service.subscription("/check");
    const stranger = createECDH("prime256v1");
    stranger.generateKeys();
    // A body that is not aes128gcm for this subscription does not decrypt.
    expect(() =>
      sub.decrypt(Buffer.concat([randomBytes(16), Buffer.from([0, 0, 16, 0, 65]), stranger.getPublicKey(), randomBytes(40)])),
    ).toThrow();
  });
});
