import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatClient, ChatClientError, Target } from "@chatapp/client";
import {
  createTestDatabase,
  exited,
  MariaDbInstance,
  signTestToken,
  startServer,
  startServerProcess,
  TEST_SECRET,
  type TestDatabase,
  type TestServer,
} from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClient, waitUntil } from "./helpers.js";
import { burst, DEFAULT_RATE_LIMITS, every, expectStoredInCallOrder, provision } from "./send-order.js";

const REQUIRED = process.env.CHATAPP_REQUIRE_SERVICES === "1";
/** Quick reconnects: the sockets are cut every 200 ms. */
const FAST = { backoff: { initialMs: 20, maxMs: 200 }, pingIntervalMs: 2000, pongTimeoutMs: 2000 };

interface BurstRun {
  users: number[];
  clients: ChatClient[];
  /** Resolves once every send of both bursts is acked. */
  acked: Promise<unknown>;
  ackCount: () => number;
}

/**
 * Two bursts at once, each by its own user (the message limit is per user): 200 sends into
 * one direct conversation, and 200 spread over five conversations. `during` runs alongside
 * (it disrupts things until `acked`); then the stored order is checked against the call order.
 */
async function twoBursts(
  server: Pick<TestServer, "url" | "wsUrl" | "token">,
  firstUser: number,
  during: (run: BurstRun) => Promise<void>,
): Promise<void> {
  const single = firstUser;
  const spread = firstUser + 1;
  const peers = [2, 3, 4, 5, 6].map((i) => firstUser + i);
  await provision(server, [single, spread, ...peers]);
  // The peers open the five conversations, so the sender's own messages are the burst's only.
  const conversations: Target[] = [];
  for (const peer of peers) {
    const p = testClient(server, peer);
    await p.client.connect();
    conversations.push({ conversationId: (await p.client.send({ receiverId: spread }, "hello")).conversationId });
    p.client.close();
  }
  const a = testClient(server, single, FAST);
  const b = testClient(server, spread, FAST);
  await Promise.all([a.client.connect(), b.client.connect()]);
  const calls = {
    single: burst(a.client, [{ receiverId: peers[0] as number }], 200),
    spread: burst(b.client, conversations, 40),
  };
  let ackCount = 0;
  const acked = Promise.all([...calls.single, ...calls.spread].map((c) => c.result.then(() => ackCount++)));
  await Promise.all([acked, during({ users: [single, spread], clients: [a.client, b.client], acked, ackCount: () => ackCount })]);
  await expectStoredInCallOrder(server, single, calls.single);
  await expectStoredInCallOrder(server, spread, calls.spread);
  a.client.close();
  b.client.close();
}

describe("a sender's order, at the default rate limits", () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database, { env: DEFAULT_RATE_LIMITS });
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  it("acks a burst of 80 in about 5 s (30 at once, then 10/s), stored in call order", { timeout: 40_000 }, async () => {
    await provision(server, [7001, 7002]);
    // The SDK's own backoff (the helper shortens it): what an app gets.
    const a = testClient(server, 7001, { backoff: {} });
    await a.client.connect();
    const states: string[] = [];
    a.client.on("state", (state) => states.push(state));
    const started = performance.now();
    const calls = burst(a.client, [{ receiverId: 7002 }], 80);
    await Promise.all(calls.map((c) => c.result));
    const seconds = (performance.now() - started) / 1000;
    console.info(`a burst of 80 sends acked in ${seconds.toFixed(2)} s`);
    // No faster than the limit allows. How much slower is a figure for the note (about 5.0 s
    // here, 8.3-15.7 s before), not an assertion: a loaded CI machine must not fail it.
    expect(seconds, `80 sends acked in ${seconds.toFixed(2)} s`).toBeGreaterThan(4.5);
    await expectStoredInCallOrder(server, 7001, calls);
    // Refused about once per message past the burst, yet never closed for it (1008): it waited as told.
    expect(states).toEqual([]);
    a.client.close();
  });

  it("rejects the sends refused for good, and stores the rest in call order", async () => {
    await provision(server, [7101, 7102]);
    const a = testClient(server, 7101);
    await a.client.connect();
    // 40 sends: over the burst of 30, so the refusals land among rate-limited sends too.
    const bad = new Map([
      [10, "x".repeat(4001)],
      [35, "nul \u0000 inside"],
    ]);
    const calls = burst(a.client, [{ receiverId: 7102 }], 40, (i) => bad.get(i) ?? `ok ${i}`);
    const outcomes = await Promise.allSettled(calls.map((c) => c.result));
    expect(outcomes.flatMap((o, i) => (o.status === "rejected" ? [[i, (o.reason as ChatClientError).code]] : []))).toEqual([
      [10, "too_large"],
      [35, "invalid_frame"],
    ]);
    const good = calls.filter((_, i) => !bad.has(i));
    await expectStoredInCallOrder(server, 7101, good);
    a.client.close();
  });

  it("stores bursts in call order while the sockets are cut every 200 ms", { timeout: 90_000 }, async () => {
    let cuts = 0;
    await twoBursts(server, 7200, async ({ users, clients, acked }) => {
      const stop = every(200, () => {
        // Alternately the server drops the sockets and the clients do, as a network would.
        if (++cuts % 2 === 0) {
          for (const user of users) for (const conn of server.app.gateway.registry.of(user) ?? []) conn.ws.terminate();
        } else {
          for (const client of clients) client.disconnectAbruptly();
        }
      });
      await acked.finally(stop);
    });
    expect(cuts).toBeGreaterThan(20);
  });
});

describe("a sender's order through server restarts", () => {
  it("stores bursts in call order through a graceful restart and a crash", { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "chatapp-order-"));
    const env = { JWT_SECRET: TEST_SECRET, DATABASE_URL: `sqlite:${dir}/chat.db`, ...DEFAULT_RATE_LIMITS };
    let { child, port } = await startServerProcess(env, dir);
    const server = {
      wsUrl: `ws://127.0.0.1:${port}/ws`,
      url: `http://127.0.0.1:${port}`,
      token: (u: number) => signTestToken(u),
    };
    try {
      await twoBursts(server, 7400, async ({ ackCount }) => {
        // A graceful restart (sockets closed with 1012), then a crash, each with sends queued.
        for (const [acks, signal] of [
          [60, "SIGTERM"],
          [200, "SIGKILL"],
        ] as const) {
          await waitUntil(() => ackCount() >= acks, 30_000, `${acks} acks`);
          const gone = exited(child);
          child.kill(signal);
          await gone;
          ({ child } = await startServerProcess({ ...env, PORT: String(port) }, dir));
        }
      });
    } finally {
      const gone = exited(child);
      child.kill("SIGTERM");
      await gone;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const mariadbAvailable = MariaDbInstance.available();
if (!mariadbAvailable && !REQUIRED)
  console.warn("\n!!! SKIPPED the MariaDB-outage send-order test: mariadbd is not installed.\n");

describe.skipIf(!mariadbAvailable && !REQUIRED)("a sender's order through a MariaDB outage", () => {
  it("stores bursts in call order while MariaDB is stopped for 3 s", { timeout: 90_000 }, async () => {
    const mariadb = await MariaDbInstance.create();
    const server = await startServer(
      {
        config: { dialect: "mysql", host: "127.0.0.1", port: mariadb.port, user: "root", password: "", database: "sendorder" },
        drop: async () => {},
      },
      { env: DEFAULT_RATE_LIMITS },
    );
    try {
      await twoBursts(server, 7300, async ({ ackCount }) => {
        // Stopped once the first 30 of each went through, while the rest is queued.
        await waitUntil(() => ackCount() >= 60, 20_000, "the first 60 acks");
        await mariadb.stop();
        expect((await fetch(`${server.url}/ready`)).status).toBe(503);
        const before = ackCount();
        // A fixed wait on purpose (a negative check): nothing can be acknowledged while the database is down.
        await new Promise((r) => setTimeout(r, 3000));
        expect(ackCount()).toBe(before);
        await mariadb.start();
      });
    } finally {
      await server.stop();
      await mariadb.destroy();
    }
  });
});
