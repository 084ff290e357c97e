import {
  createTestDatabase,
  describeEachDialect,
  type Suite,
  startServer,
  startSuite,
  type TestServer,
  TestSocket,
} from "@chatapp/testkit";
import { Migrator } from "kysely";
import pino from "pino";
import { afterEach, expect, it } from "vitest";
import { MAX_TOKEN_USER_ID } from "../src/auth/tokens.js";
import { openStore } from "../src/store/database.js";
import { migrateToLatest } from "../src/store/migrate.js";
import { allMigrations } from "../src/store/migrations/index.js";

/**
 * Issue 12, finding 2: ids that come from outside (a token, or a direct send with
 * PROVISION_RECIPIENTS=true) must never move where local registrations take their ids from.
 * One user provisioned at 2^48 used to push every later registration above it, where the
 * server's own token check refuses them: 401 forever.
 */
describeEachDialect("user ids", (dialect) => {
  let suite: Suite | undefined;
  afterEach(async () => {
    await suite?.done();
    suite = undefined;
  });

  const start = async () => {
    suite = await startSuite(dialect, { env: { PROVISION_RECIPIENTS: "true" } });
    return suite;
  };

  /** Registers `username` and proves its token works over HTTP and on the socket. */
  async function registerAndUse(server: TestServer, username: string): Promise<number> {
    const reg = await server.http("/api/auth/register", { method: "POST", json: { username, password: "password1" } });
    expect(reg.status).toBe(201);
    const id = reg.body.user.id as number;
    expect(id).toBeLessThanOrEqual(MAX_TOKEN_USER_ID);
    const me = await server.http("/api/me", { headers: { authorization: `Bearer ${reg.body.token}` } });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(id);
    const socket = await TestSocket.open(server.wsUrl, { headers: { authorization: `Bearer ${reg.body.token}` } });
    expect((await socket.next((f) => f.type === "ready")).user_id).toBe(id);
    await socket.close();
    return id;
  }

  it("a token for user 2^48 does not lock registration out", async () => {
    const s = await start();
    const first = await registerAndUse(s.server, "before_token");
    expect((await s.server.http("/api/me", { userId: MAX_TOKEN_USER_ID })).status).toBe(200);
    expect(await registerAndUse(s.server, "after_token")).toBe(first + 1);
  });

  it("a direct send to user 2^48 (PROVISION_RECIPIENTS=true) does not lock registration out", async () => {
    const s = await start();
    const alice = await registerAndUse(s.server, "alice");
    const socket = await s.connect(alice);
    socket.send({ type: "send", receiver_id: MAX_TOKEN_USER_ID, content: "hello", client_id: "far-1" });
    expect((await socket.next((f) => f.type === "ack" || f.type === "error")).type).toBe("ack");
    expect(await registerAndUse(s.server, "bob")).toBe(alice + 1);
  });

  it("local registrations step over ids already provisioned next to them", async () => {
    const s = await start();
    const first = await registerAndUse(s.server, "carol");
    for (const id of [first + 1, first + 2, first + 4]) {
      expect((await s.server.http("/api/me", { userId: id })).status).toBe(200);
    }
    expect(await registerAndUse(s.server, "dave")).toBe(first + 3);
    expect(await registerAndUse(s.server, "erin")).toBe(first + 5);
  });

  it("concurrent registrations, with provisioning racing them, each get their own id", async () => {
    const s = await start();
    const first = await registerAndUse(s.server, "racer_0");
    const [registered] = await Promise.all([
      Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          s.server.http("/api/auth/register", { method: "POST", json: { username: `racer_${i + 1}`, password: "password1" } }),
        ),
      ),
      Promise.all(Array.from({ length: 12 }, (_, i) => s.server.http("/api/me", { userId: first + 2 * i + 1 }))),
    ]);
    expect(registered.map((r) => r.status)).toEqual(Array(12).fill(201));
    const ids = registered.map((r) => r.body.user.id as number);
    expect(new Set(ids).size).toBe(12);
    for (const [i, r] of registered.entries()) {
      const me = await s.server.http("/api/me", { headers: { authorization: `Bearer ${r.body.token}` } });
      expect(me.body).toEqual({ id: ids[i], username: `racer_${i + 1}`, display_name: `racer_${i + 1}`, bot: false });
    }
  });

  it("a database already pushed past 2^48 registers in range again after the upgrade", async () => {
    const database = await createTestDatabase(dialect);
    let server: TestServer | undefined;
    try {
      // The state the old code left, before this version's migrations: a local account, a user
      // provisioned at 2^48, and an account registered above it that could never log in.
      const store = openStore(database.config);
      const migrator = new Migrator({
        db: store.db,
        provider: { getMigrations: async () => allMigrations(store.adapter.name) },
        migrationTableName: "chatapp_migration",
        migrationLockTableName: "chatapp_migration_lock",
      });
      expect((await migrator.migrateTo("004-node-presence")).error).toBeUndefined();
      await store.db
        .insertInto("users")
        .values([
          { id: 7, username: "old_local", created_at: 1 },
          { id: MAX_TOKEN_USER_ID, created_at: 1 },
          { id: MAX_TOKEN_USER_ID + 1, username: "locked_out", created_at: 1 },
        ])
        .execute();
      await migrateToLatest(store, pino({ level: "silent" }));
      await store.destroy();
      server = await startServer(database);
      expect(await registerAndUse(server, "fresh")).toBe(8);
    } finally {
      await server?.stop();
      await database.drop();
    }
  });
});
