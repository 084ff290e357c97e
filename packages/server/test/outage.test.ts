import {
  createTestDatabase,
  describeEachDialect,
  startServer,
  TcpRelay,
  type TestDatabase,
  type TestServer,
} from "@chatapp/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DatabaseConfig } from "../src/config.js";

/** The same database, reached through the relay. */
function throughRelay(config: DatabaseConfig, port: number): DatabaseConfig {
  if (config.dialect === "mysql") return { ...config, host: "127.0.0.1", port };
  if (config.dialect === "postgres") {
    const url = new URL(config.connectionString);
    url.host = `127.0.0.1:${port}`;
    return { ...config, connectionString: url.toString() };
  }
  return config;
}

async function eventually<T>(fn: () => Promise<T>, ok: (value: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    // The poll interval of this deadline-bound loop.
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeEachDialect(
  "storage outage",
  (dialect) => {
    let database: TestDatabase;
    let relay: TcpRelay;
    let server: TestServer;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      const target =
        database.config.dialect === "mysql" ? database.config.port : new URL((database.config as any).connectionString).port;
      relay = await TcpRelay.start("127.0.0.1", Number(target || 5432));
      server = await startServer(
        { ...database, config: throughRelay(database.config, relay.port) },
        {
          configure: (c) => {
            c.commitTimeoutMs = 2000;
          },
        },
      );
    });
    afterAll(async () => {
      await server?.stop();
      await relay?.close();
      await database?.drop();
    });

    it("refuses sends with `unavailable`, answers /ready 503, stays up, and recovers without a restart", async () => {
      const alice = await server.connect(601);
      const bob = await server.connect(602);
      alice.send({ type: "send", receiver_id: 602, content: "before", client_id: "before" });
      await alice.next((f) => f.type === "ack" && f.client_id === "before");
      await bob.next((f) => f.content === "before");

      relay.cutOff();
      const down = await server.http("/ready");
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: "unavailable", storage: "down", error: { code: "unavailable" } });
      alice.send({ type: "send", receiver_id: 602, content: "during", client_id: "during" });
      const refused = await alice.next((f) => f.type === "error" && f.client_id === "during", 15_000);
      expect(refused.code).toBe("unavailable");
      const history = await server.http("/api/messages/history?user_id=602", { userId: 601 });
      expect(history.status).toBe(503);
      expect(history.body.error.code).toBe("unavailable");
      expect((await server.http("/health")).status).toBe(200);

      relay.restore();
      const up = await eventually(
        () => server.http("/ready"),
        (r) => r.status === 200,
      );
      expect(up.status).toBe(200);
      // The client retries with the same client_id: stored once, delivered once.
      const retried = await eventually(
        async () => {
          const from = alice.frames.length;
          alice.send({ type: "send", receiver_id: 602, content: "during", client_id: "during" });
          return alice.next((f) => (f.type === "ack" || f.type === "error") && f.client_id === "during", 15_000, from);
        },
        (f) => f.type === "ack",
      );
      expect(retried.type).toBe("ack");
      const got = await bob.next((f) => f.content === "during");
      expect(got.seq).toBe(2);
      const after = await server.http("/api/messages/history?user_id=602", { userId: 601 });
      expect(after.body.map((m: any) => m.content)).toEqual(["during", "before"]);
      expect(alice.ws.readyState).toBe(alice.ws.OPEN);
      await alice.close();
      await bob.close();
    });

    it("refuses sends with `unavailable` when the database hangs, and recovers", { timeout: 60_000 }, async () => {
      const alice = await server.connect(611);
      const bob = await server.connect(612);
      alice.send({ type: "send", receiver_id: 612, content: "before", client_id: "h-before" });
      await alice.next((f) => f.type === "ack" && f.client_id === "h-before");

      relay.freeze();
      const started = Date.now();
      alice.send({ type: "send", receiver_id: 612, content: "during", client_id: "h-during" });
      const answer = await alice.next((f) => (f.type === "error" || f.type === "ack") && f.client_id === "h-during", 30_000);
      expect(answer).toMatchObject({ type: "error", code: "unavailable" });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((await server.http("/ready")).status).toBe(503);

      relay.restore();
      await eventually(
        () => server.http("/ready"),
        (r) => r.status === 200,
      );
      const retried = await eventually(
        async () => {
          const from = alice.frames.length;
          alice.send({ type: "send", receiver_id: 612, content: "during", client_id: "h-during" });
          return alice.next((f) => (f.type === "ack" || f.type === "error") && f.client_id === "h-during", 30_000, from);
        },
        (f) => f.type === "ack",
        30_000,
      );
      expect(retried.type).toBe("ack");
      // The abandoned transaction may have committed after all: either way the message is
      // stored once and reaches the receiver once.
      await bob.next((f) => f.type === "message" && f.content === "during");
      await bob.roundTrip();
      expect(bob.ofType("message").filter((f) => f.content === "during")).toHaveLength(1);
      const history = await server.http("/api/messages/history?user_id=612", { userId: 611 });
      expect(history.body.map((m: any) => m.content)).toEqual(["during", "before"]);
      await alice.close();
      await bob.close();
    });
  },
  { only: ["mysql", "postgres"] },
);
