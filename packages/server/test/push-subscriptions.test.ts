import { createECDH, randomBytes } from "node:crypto";
import { describeEachDialect, eventually, startServer, useSuite } from "@chatapp/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import webpush from "web-push";
import { PushSubscriptionsRepo } from "../src/store/push-subscriptions-repo.js";
import { type PushService, startPushService } from "./push-service.js";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ADMIN_KEY = "push-admin-key-0123456789-abcdefghijklmn";
const MAX_SUBSCRIPTIONS = 3;
const PER_HOUR = 6;

/** A browser's keys: a fresh P-256 point and 16-byte auth secret, base64url. */
const browserKeys = () => {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") };
};
let endpoints = 0;
/** A public https endpoint nothing is sent to in this suite (nothing is queued for it). */
const endpoint = () => `https://push.example.com/send/${Date.now()}-${++endpoints}`;

/**
 * The Web Push subscription API (integrations contract §4) and the VAPID key's life: routes'
 * shapes and status codes, the per-user cap and budget, export and erasure, the key kept
 * across restarts and agreed on by two nodes, the configured pair, and endpoints that must be
 * public (at subscribe time for IP literals, at send time through the SSRF guard for names).
 */
describeEachDialect("push subscriptions", (dialect) => {
  const suite = useSuite(dialect, {
    env: { ADMIN_API_KEY: ADMIN_KEY, PUSH_MAX_SUBSCRIPTIONS: String(MAX_SUBSCRIPTIONS) },
    configure: (c) => {
      c.push.subscriptionsPerHour = PER_HOUR;
      c.push.pollMs = 50;
    },
  });
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const subscribe = (userId: number, json: unknown) => http("/api/push/subscriptions", { method: "POST", userId, json });
  const list = async (userId: number) => (await http("/api/push/subscriptions", { userId })).body as any[];
  let service: PushService;
  beforeAll(async () => {
    service = await startPushService();
  });
  afterAll(async () => {
    await service?.close();
  });

  it("(R) answers 401 on every push route without a token", async () => {
    expect((await http("/api/push/vapid-public-key")).status).toBe(401);
    expect((await http("/api/push/subscriptions")).status).toBe(401);
    expect(
      (await http("/api/push/subscriptions", { method: "POST", json: { endpoint: endpoint(), keys: browserKeys() } })).status,
    ).toBe(401);
    expect((await http("/api/push/subscriptions/1", { method: "DELETE" })).status).toBe(401);
  });

  it("(R) GET /api/push/vapid-public-key: the 65-byte uncompressed P-256 point, base64url", async () => {
    const res = await http("/api/push/vapid-public-key", { userId: 8001 });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["public_key"]);
    expect(res.body.public_key).toMatch(/^[A-Za-z0-9_-]+$/);
    const point = Buffer.from(res.body.public_key, "base64url");
    expect(point.length).toBe(65);
    expect(point[0]).toBe(4);
  });

  it("(R) POST is 201 {id, endpoint, created_at}; a browser's toJSON() is taken as is; GET lists the caller's", async () => {
    const A = 8011;
    const body = { endpoint: endpoint(), expirationTime: null, keys: browserKeys() };
    const res = await subscribe(A, body);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(["created_at", "endpoint", "id"]);
    expect(res.body).toMatchObject({ endpoint: body.endpoint });
    expect(res.body.id).toBeGreaterThan(0);
    expect(res.body.created_at).toMatch(ISO);
    expect(await list(A)).toEqual([res.body]);
    // Someone else's list does not show it.
    expect(await list(8012)).toEqual([]);
  });

  it("(R) the same endpoint again is 200 with the same subscription, keys and owner replaced", async () => {
    const [A, B] = [8021, 8022];
    const url = endpoint();
    const first = await subscribe(A, { endpoint: url, keys: browserKeys() });
    expect(first.status).toBe(201);
    const keys = browserKeys();
    const again = await subscribe(A, { endpoint: url, keys });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const repo = new PushSubscriptionsRepo(suite().server.app.store);
    expect((await repo.listByUser(A))[0]).toMatchObject({ p256dh: keys.p256dh, auth: keys.auth });
    // Another user on the same browser: the subscription is theirs now, and A's no more.
    const taken = await subscribe(B, { endpoint: url, keys: browserKeys() });
    expect(taken.status).toBe(200);
    expect(taken.body.id).toBe(first.body.id);
    expect(await list(A)).toEqual([]);
    expect((await list(B)).map((s) => s.id)).toEqual([first.body.id]);
  });

  it("(R) 400 invalid_request for a bad p256dh or auth, or an endpoint that is not public https", async () => {
    const A = 8031;
    const good = browserKeys();
    const offCurve = Buffer.from(good.p256dh, "base64url");
    offCurve[64] = (offCurve[64] as number) ^ 1;
    const compressed = createECDH("prime256v1");
    compressed.generateKeys();
    const cases: [string, unknown][] = [
      ["p256dh not base64url", { endpoint: endpoint(), keys: { ...good, p256dh: `${good.p256dh.slice(0, -2)}+/` } }],
      ["p256dh of 64 bytes", { endpoint: endpoint(), keys: { ...good, p256dh: randomBytes(64).toString("base64url") } }],
      [
        "p256dh compressed",
        { endpoint: endpoint(), keys: { ...good, p256dh: compressed.getPublicKey(null, "compressed").toString("base64url") } },
      ],
      ["p256dh off the curve", { endpoint: endpoint(), keys: { ...good, p256dh: offCurve.toString("base64url") } }],
      ["auth of 15 bytes", { endpoint: endpoint(), keys: { ...good, auth: randomBytes(15).toString("base64url") } }],
      ["auth of 17 bytes", { endpoint: endpoint(), keys: { ...good, auth: randomBytes(17).toString("base64url") } }],
      ["auth not base64url", { endpoint: endpoint(), keys: { ...good, auth: "not base64url!!!!!!!" } }],
      ["no keys", { endpoint: endpoint() }],
      ["no endpoint", { keys: good }],
      ["endpoint not a URL", { endpoint: "push service", keys: good }],
      ["http: endpoint", { endpoint: "http://push.example.com/x", keys: good }],
      ["ftp: endpoint", { endpoint: "ftp://push.example.com/x", keys: good }],
      ["loopback IPv4", { endpoint: "https://127.0.0.1/x", keys: good }],
      ["loopback in another spelling", { endpoint: "https://2130706433/x", keys: good }],
      ["loopback IPv6", { endpoint: "https://[::1]/x", keys: good }],
      ["IPv4-mapped loopback", { endpoint: "https://[::ffff:127.0.0.1]/x", keys: good }],
      ["private IPv4", { endpoint: "https://10.1.2.3/x", keys: good }],
      ["link-local (cloud metadata)", { endpoint: "https://169.254.169.254/x", keys: good }],
      ["localhost", { endpoint: "https://localhost/x", keys: good }],
      ["credentials", { endpoint: "https://user:pw@push.example.com/x", keys: good }],
    ];
    for (const [what, body] of cases) {
      const res = await subscribe(A, body);
      expect(res.status, what).toBe(400);
      expect(res.body.error.code, what).toBe("invalid_request");
    }
    expect(await list(A)).toEqual([]);
    // A public IP literal is fine.
    expect((await subscribe(A, { endpoint: "https://93.184.215.14/push/x", keys: good })).status).toBe(201);
  });

  it("(R) DELETE is 204 for one's own, 404 for another's or an unknown one", async () => {
    const [A, B] = [8041, 8042];
    const mine = (await subscribe(A, { endpoint: endpoint(), keys: browserKeys() })).body;
    const theirs = (await subscribe(B, { endpoint: endpoint(), keys: browserKeys() })).body;
    const other = await http(`/api/push/subscriptions/${theirs.id}`, { method: "DELETE", userId: A });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe("not_found");
    expect((await list(B)).map((s) => s.id)).toEqual([theirs.id]);
    const gone = await http(`/api/push/subscriptions/${mine.id}`, { method: "DELETE", userId: A });
    expect(gone.status).toBe(204);
    expect(gone.body).toBeUndefined();
    expect(await list(A)).toEqual([]);
    expect((await http(`/api/push/subscriptions/${mine.id}`, { method: "DELETE", userId: A })).status).toBe(404);
    expect((await http("/api/push/subscriptions/0", { method: "DELETE", userId: A })).status).toBe(400);
    expect((await http("/api/push/subscriptions/abc", { method: "DELETE", userId: A })).status).toBe(400);
  });

  it(`keeps PUSH_MAX_SUBSCRIPTIONS (${MAX_SUBSCRIPTIONS}) per user: a new one past it removes the oldest`, async () => {
    const A = 8051;
    const made: number[] = [];
    for (let i = 0; i < MAX_SUBSCRIPTIONS + 1; i++) {
      const res = await subscribe(A, { endpoint: endpoint(), keys: browserKeys() });
      expect(res.status).toBe(201);
      made.push(res.body.id);
    }
    expect((await list(A)).map((s) => s.id)).toEqual(made.slice(1));
  });

  it("limits new subscriptions per user and hour: 429 rate_limited with Retry-After; a repeat is not counted", async () => {
    const A = 8061;
    let url = "";
    for (let i = 0; i < PER_HOUR; i++) {
      url = endpoint();
      expect((await subscribe(A, { endpoint: url, keys: browserKeys() })).status).toBe(201);
    }
    const res = await fetch(`${suite().server.url}/api/push/subscriptions`, {
      method: "POST",
      headers: { authorization: `Bearer ${await suite().server.token(A)}`, "content-type": "application/json" },
      body: JSON.stringify({ endpoint: endpoint(), keys: browserKeys() }),
    });
    expect(res.status).toBe(429);
    expect(((await res.json()) as any).error.code).toBe("rate_limited");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    // Posting a known endpoint again (a browser re-subscribing) is still answered; another user is not held.
    expect((await subscribe(A, { endpoint: url, keys: browserKeys() })).status).toBe(200);
    expect((await subscribe(8062, { endpoint: endpoint(), keys: browserKeys() })).status).toBe(201);
  });

  it("exports a user's endpoints without keys, and erasure removes the subscriptions", async () => {
    const A = 8071;
    await http("/api/me", { userId: A });
    const sub = (await subscribe(A, { endpoint: endpoint(), keys: browserKeys() })).body;
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    const exported = await http(`/api/admin/users/${A}/export`, { headers: admin });
    expect(exported.status).toBe(200);
    expect(exported.body.push_subscriptions).toEqual([{ endpoint: sub.endpoint, created_at: sub.created_at }]);
    expect(JSON.stringify(exported.body)).not.toContain("p256dh");
    expect((await http(`/api/admin/users/${A}`, { method: "DELETE", headers: admin })).status).toBe(200);
    const repo = new PushSubscriptionsRepo(suite().server.app.store);
    expect(await repo.listByUser(A)).toEqual([]);
  });

  it("(R) keeps the generated VAPID key across a restart on the same database", async () => {
    const before = (await http("/api/push/vapid-public-key", { userId: 8081 })).body.public_key;
    const again = await suite().server.restart();
    try {
      const after = (await again.http("/api/push/vapid-public-key", { userId: 8081 })).body.public_key;
      expect(after).toBe(before);
    } finally {
      await again.stop();
    }
  });

  it("refuses at send time what the SSRF guard refuses: names resolving to private addresses, http:", async () => {
    // Stored directly: the route already refuses these (an IP literal, localhost, http:); a
    // name whose DNS answer changes later is what only the send-time guard can catch.
    const repo = new PushSubscriptionsRepo(suite().server.app.store);
    const app = suite().server.app;
    const paths = ["/guard-name", "/guard-http"];
    const port = new URL(service.origin).port;
    const targets = [`https://localhost:${port}/guard-name`, service.url("/guard-http")];
    const ids: number[] = [];
    for (const [i, url] of targets.entries()) {
      const keys = service.subscription(paths[i] as string).keys;
      ids.push(
        (await repo.save({ userId: 8091, endpoint: url, p256dh: keys.p256dh, auth: keys.auth }, Date.now())).subscription.id,
      );
    }
    await app.push.deliveries.queue(
      app.store.db,
      ids.map((id) => ({ subscriptionId: id, conversationId: 1, payload: '{"type":"message"}' })),
      Date.now(),
    );
    app.push.wake();
    const left = async () =>
      Number(
        (
          await app.store.db
            .selectFrom("push_deliveries")
            .select((eb) => eb.fn.countAll().as("n"))
            .where("subscription_id", "in", ids)
            .executeTakeFirstOrThrow()
        ).n,
      );
    await eventually(async () => (await left()) === 0, 10_000, "the refused pushes to be dropped");
    expect(service.received()).toEqual([]);
    // Dropped, not the subscriptions: a refused address is not a 404/410.
    expect((await repo.listByUser(8091)).length).toBe(2);
  });

  it("uses VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY when set; a pair that does not match stops the start", async () => {
    const pair = webpush.generateVAPIDKeys();
    const configured = await startServer(suite().database, {
      env: { VAPID_PUBLIC_KEY: pair.publicKey, VAPID_PRIVATE_KEY: pair.privateKey },
    });
    try {
      expect((await configured.http("/api/push/vapid-public-key", { userId: 1 })).body).toEqual({ public_key: pair.publicKey });
    } finally {
      await configured.stop();
    }
    const other = webpush.generateVAPIDKeys();
    await expect(
      startServer(suite().database, { env: { VAPID_PUBLIC_KEY: other.publicKey, VAPID_PRIVATE_KEY: pair.privateKey } }),
    ).rejects.toThrow(/VAPID_PUBLIC_KEY: is not the public key of VAPID_PRIVATE_KEY/);
  });

  // Last: it replaces the stored pair the suite's server started with.
  it("(R) two servers starting at once without a stored pair agree on one generated pair", async () => {
    // As on an empty database: no pair stored yet, both nodes make one and race to store it.
    await suite().server.app.store.db.deleteFrom("server_keys").execute();
    const servers = await Promise.all([startServer(suite().database), startServer(suite().database)]);
    try {
      const keys = await Promise.all(
        servers.map(async (s) => (await s.http("/api/push/vapid-public-key", { userId: 1 })).body.public_key),
      );
      expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{87}$/);
      expect(keys[1]).toBe(keys[0]);
      expect(servers[0]?.app.push.vapid.privateKey).toBe(servers[1]?.app.push.vapid.privateKey);
    } finally {
      for (const s of servers) await s.stop();
    }
  });
});
