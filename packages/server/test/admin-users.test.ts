import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLOSE, MAX_USER_ID } from "@chatapp/protocol";
import {
  describeEachDialect,
  describeWithRedis,
  eventually,
  REDIS_URL,
  startSuite,
  type TestServer,
  TestSocket,
  useSuite,
} from "@chatapp/testkit";
import { afterAll, expect, it } from "vitest";
import WebSocket from "ws";

const KEY = "admin-users-test-key-0123456789abcdefghij";

/** A request to the admin API with the key. */
async function admin(server: TestServer, method: string, path: string, json?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    headers: { "x-api-key": KEY, ...(json === undefined ? {} : { "content-type": "application/json" }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined };
}

/** A user request with a given token (not one the test server signs). */
async function withToken(server: TestServer, path: string, token: string) {
  const res = await fetch(server.url + path, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as any };
}

/** The /ws upgrade's answer when it is refused: status and JSON body, instead of a 101. */
function refusedUpgrade(server: TestServer, token: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.wsUrl, { headers: { authorization: `Bearer ${token}` } });
    ws.once("open", () => {
      ws.close();
      reject(new Error("the upgrade was accepted"));
    });
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.once("error", () => {});
  });
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describeEachDialect("admin users", (dialect) => {
  const suite = useSuite(dialect, { env: { ADMIN_API_KEY: KEY } });
  const server = () => suite().server;

  it("(R) creates users with the application's ids or local ones; 409 for a taken id or username", async () => {
    const made = await admin(server(), "POST", "/api/admin/users", {
      id: 700_001,
      username: "Ann_Admin",
      display_name: "Ann",
      password: "correct horse",
    });
    expect(made.status).toBe(201);
    expect(made.body).toEqual({
      id: 700_001,
      username: "ann_admin",
      display_name: "Ann",
      bot: false,
      active: true,
      created_at: expect.stringMatching(ISO),
    });
    // The password works as a registered user's does.
    const login = await server().http("/api/auth/login", {
      method: "POST",
      json: { username: "ann_admin", password: "correct horse" },
    });
    expect(login.status).toBe(200);
    expect(login.body.user).toEqual({ id: 700_001, username: "ann_admin", display_name: "Ann", bot: false });

    const bot = await admin(server(), "POST", "/api/admin/users", { bot: true, display_name: "Helper" });
    expect(bot.status).toBe(201);
    expect(bot.body).toMatchObject({ username: null, display_name: "Helper", bot: true, active: true });

    // An id at the top of the range does not push local allocation out of it.
    expect((await admin(server(), "POST", "/api/admin/users", { id: MAX_USER_ID })).status).toBe(201);
    const local = await admin(server(), "POST", "/api/admin/users", {});
    expect(local.status).toBe(201);
    expect(local.body.id).toBeLessThan(700_001);

    const takenId = await admin(server(), "POST", "/api/admin/users", { id: 700_001 });
    expect(takenId.status).toBe(409);
    expect(takenId.body.error.code).toBe("conflict");
    const takenName = await admin(server(), "POST", "/api/admin/users", { id: 700_002, username: "ANN_ADMIN" });
    expect(takenName.status).toBe(409);
    // A user known from a token holds its id too.
    await server().http("/api/me", { userId: 700_003 });
    expect((await admin(server(), "POST", "/api/admin/users", { id: 700_003 })).status).toBe(409);
  });

  it("answers 400 for invalid fields", async () => {
    for (const body of [
      { id: 0 },
      { id: MAX_USER_ID + 1 },
      { id: 1.5 },
      { username: "a b" },
      { username: "x".repeat(40) },
      { password: "short" },
      { display_name: "" },
      { bot: "yes" },
      { unknown: 1 },
    ]) {
      const res = await admin(server(), "POST", "/api/admin/users", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
  });

  it("(R) reads a user; 404 for an unknown one", async () => {
    await admin(server(), "POST", "/api/admin/users", { id: 710_001, username: "reader" });
    expect((await admin(server(), "GET", "/api/admin/users/710001")).body).toMatchObject({ id: 710_001, username: "reader" });
    const missing = await admin(server(), "GET", "/api/admin/users/710002");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });

  it("(R) changes a user; the user API shows it at once, bot included", async () => {
    const id = 720_001;
    await admin(server(), "POST", "/api/admin/users", { id, username: "before_name", display_name: "Before" });
    // Known to the user directory and its caches first.
    expect((await server().http(`/api/users/${id}`, { userId: id })).body.username).toBe("before_name");
    const patched = await admin(server(), "PATCH", `/api/admin/users/${id}`, {
      username: "after_name",
      display_name: "After",
      bot: true,
      password: "a new password",
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, username: "after_name", display_name: "After", bot: true, active: true });
    const expected = { id, username: "after_name", display_name: "After", bot: true };
    expect((await server().http(`/api/users/${id}`, { userId: 1 })).body).toEqual(expected);
    expect((await server().http("/api/me", { userId: id })).body).toEqual(expected);
    expect((await server().http("/api/users?query=after_na", { userId: 1 })).body).toEqual([expected]);
    expect(
      (await server().http("/api/auth/login", { method: "POST", json: { username: "after_name", password: "a new password" } }))
        .status,
    ).toBe(200);
    await admin(server(), "POST", "/api/admin/users", { id: 720_002, username: "other_name" });
    expect((await admin(server(), "PATCH", `/api/admin/users/${id}`, { username: "other_name" })).status).toBe(409);
    expect((await admin(server(), "PATCH", "/api/admin/users/720003", { bot: true })).status).toBe(404);
  });

  it("(R) issues user tokens valid on the user API and /ws; 409 for an inactive user", async () => {
    const id = 730_001;
    await admin(server(), "POST", "/api/admin/users", { id, username: "token_user" });
    const issued = await admin(server(), "POST", `/api/admin/users/${id}/tokens`);
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({ token: expect.any(String), expires_at: expect.stringMatching(ISO) });
    const lifetime = Date.parse(issued.body.expires_at) - Date.now();
    expect(lifetime).toBeGreaterThan(86_400_000 - 10_000);
    expect(lifetime).toBeLessThanOrEqual(86_400_000);
    expect((await withToken(server(), "/api/me", issued.body.token)).body.id).toBe(id);
    const socket = await TestSocket.open(server().wsUrl, { headers: { authorization: `Bearer ${issued.body.token}` } });
    await socket.next((f) => f.type === "ready");
    await socket.close();

    const short = await admin(server(), "POST", `/api/admin/users/${id}/tokens`, { ttl: 60 });
    expect(Date.parse(short.body.expires_at) - Date.now()).toBeLessThanOrEqual(60_000);
    for (const ttl of [59, 2_592_001, "60"]) {
      expect((await admin(server(), "POST", `/api/admin/users/${id}/tokens`, { ttl })).status, String(ttl)).toBe(400);
    }
    expect((await admin(server(), "POST", "/api/admin/users/730002/tokens", {})).status).toBe(404);
    await admin(server(), "PATCH", `/api/admin/users/${id}`, { active: false });
    const inactive = await admin(server(), "POST", `/api/admin/users/${id}/tokens`, {});
    expect(inactive.status).toBe(409);
    expect(inactive.body.error.code).toBe("conflict");
  });

  it("(R) a ban closes the user's sockets with 4003 and refuses their tokens with 403; unban restores them", async () => {
    const id = 740_001;
    await admin(server(), "POST", "/api/admin/users", { id, username: "banned_user" });
    const token = (await admin(server(), "POST", `/api/admin/users/${id}/tokens`, {})).body.token as string;
    const sockets = await Promise.all(
      [0, 1].map(async () => {
        const s = await TestSocket.open(server().wsUrl, { headers: { authorization: `Bearer ${token}` } });
        await s.next((f) => f.type === "ready");
        return s;
      }),
    );
    const banned = await admin(server(), "POST", `/api/admin/users/${id}/ban`, { reason: "spam" });
    expect(banned.status).toBe(200);
    expect(banned.body).toMatchObject({ id, active: false, ban_reason: "spam" });
    await eventually(() => sockets.every((s) => s.closeCode === CLOSE.ACCOUNT_DISABLED), 5000, "4003 closes");

    const refused = await withToken(server(), "/api/me", token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("account_disabled");
    const upgrade = await refusedUpgrade(server(), token);
    expect(upgrade.status).toBe(403);
    expect(upgrade.body.error.code).toBe("account_disabled");
    expect((await admin(server(), "GET", `/api/admin/users/${id}`)).body.ban_reason).toBe("spam");
    // They stay a user others can see.
    expect((await server().http(`/api/users/${id}`, { userId: 1 })).status).toBe(200);

    const unbanned = await admin(server(), "DELETE", `/api/admin/users/${id}/ban`);
    expect(unbanned.status).toBe(200);
    expect(unbanned.body).toMatchObject({ id, active: true });
    expect(unbanned.body).not.toHaveProperty("ban_reason");
    // The old token works again, on HTTP and on /ws.
    expect((await withToken(server(), "/api/me", token)).status).toBe(200);
    const again = await TestSocket.open(server().wsUrl, { headers: { authorization: `Bearer ${token}` } });
    await again.next((f) => f.type === "ready");
    await again.close();
  });

  it("(R) PATCH active:false disables like a ban, without a reason; active:true restores", async () => {
    const id = 750_001;
    await admin(server(), "POST", "/api/admin/users", { id, username: "paused_user", password: "a password!" });
    const socket = await suite().connect(id);
    const paused = await admin(server(), "PATCH", `/api/admin/users/${id}`, { active: false });
    expect(paused.body).toMatchObject({ active: false });
    expect(paused.body).not.toHaveProperty("ban_reason");
    await eventually(() => socket.closeCode === CLOSE.ACCOUNT_DISABLED, 5000, "4003 close");
    expect((await server().http("/api/me", { userId: id })).status).toBe(403);
    const login = await server().http("/api/auth/login", {
      method: "POST",
      json: { username: "paused_user", password: "a password!" },
    });
    expect(login.status).toBe(403);
    expect(login.body.error.code).toBe("account_disabled");
    expect((await admin(server(), "PATCH", `/api/admin/users/${id}`, { active: true })).body.active).toBe(true);
    expect((await server().http("/api/me", { userId: id })).status).toBe(200);
  });

  it("(R) never provisions an erased id from a token; POST /api/admin/users {id} makes it anew", async () => {
    const id = 760_001;
    // Erasing itself is another route's; its mark is what the account check reads.
    await suite().server.app.store.db.insertInto("erased_users").values({ user_id: id, erased_at: Date.now() }).execute();
    const token = await server().token(id);
    const refused = await withToken(server(), "/api/me", token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("account_disabled");
    expect((await refusedUpgrade(server(), token)).status).toBe(403);
    expect((await admin(server(), "GET", `/api/admin/users/${id}`)).status).toBe(404);
    const made = await admin(server(), "POST", "/api/admin/users", { id, username: "reborn" });
    expect(made.status).toBe(201);
    expect((await withToken(server(), "/api/me", token)).body).toMatchObject({ id, username: "reborn" });
  });

  it("records every admin change in the audit log, with the key's name", async () => {
    const id = 770_001;
    await admin(server(), "POST", "/api/admin/users", { id });
    await admin(server(), "POST", `/api/admin/users/${id}/ban`, {});
    const log = await admin(server(), "GET", "/api/admin/audit?limit=2");
    expect(log.status).toBe(200);
    expect(log.body.entries).toEqual([
      expect.objectContaining({ key_name: "ADMIN_API_KEY", action: "user.ban", target_type: "user", target_id: id }),
      expect.objectContaining({ key_name: "ADMIN_API_KEY", action: "user.create", target_type: "user", target_id: id }),
    ]);
    expect(log.body.has_more).toBe(true);
    expect(log.body.entries[0].created_at).toMatch(ISO);
  });

  it("describes the admin routes in the OpenAPI document with the API key schemes", async () => {
    const doc = (await fetch(`${server().url}/docs/json`).then((r) => r.json())) as any;
    expect(doc.components.securitySchemes.apiKey).toEqual({ type: "apiKey", in: "header", name: "X-Api-Key" });
    expect(doc.paths["/api/admin/users/{id}/ban"].post.security).toEqual([{ apiKey: [] }, { adminBearer: [] }]);
  });
});

describeWithRedis("admin users across two nodes", () => {
  describeEachDialect(
    "a ban",
    (dialect) => {
      const dir = mkdtempSync(join(tmpdir(), "chatapp-admin-"));
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      it("(R) closes the user's socket on the other node with 4003 and refuses it there", async () => {
        // DATABASE_URL only passes the config check (a cluster needs a shared database): the
        // suite's own database replaces it.
        const suite = await startSuite(dialect, {
          env: { REDIS_URL, UPLOAD_DIR: dir, DATABASE_URL: "postgres://u@127.0.0.1/x", ADMIN_API_KEY: KEY },
        });
        const other = await suite.server.restart();
        try {
          const id = 780_001;
          const socket = await suite.connect(id, other);
          // The other node has the user's status cached as active.
          expect((await other.http("/api/me", { userId: id })).status).toBe(200);
          expect((await admin(suite.server, "POST", `/api/admin/users/${id}/ban`, { reason: "x" })).status).toBe(200);
          await eventually(() => socket.closeCode === CLOSE.ACCOUNT_DISABLED, 5000, "4003 on the other node");
          expect((await other.http("/api/me", { userId: id })).status).toBe(403);
          await admin(suite.server, "DELETE", `/api/admin/users/${id}/ban`);
          expect((await other.http("/api/me", { userId: id })).status).toBe(200);
        } finally {
          await suite.done([other]);
        }
      });
    },
    { only: ["mysql", "postgres"] },
  );
});
