import { createTestDatabase, describeEachDialect, eventually } from "@chatapp/testkit";
import pino from "pino";
import { expect, it } from "vitest";
import { MemoryBroker } from "../src/broker/memory.js";
import { Presence } from "../src/chat/presence.js";
import { ConversationsRepo } from "../src/store/conversations-repo.js";
import { openStore } from "../src/store/database.js";
import { migrateToLatest } from "../src/store/migrate.js";
import { NodePresenceRepo } from "../src/store/node-presence-repo.js";
import { PresenceRepo } from "../src/store/presence-repo.js";

describeEachDialect("presence across nodes", (dialect) => {
  // Heartbeats were compared with the sweeping node's clock: a live node whose clock lagged
  // was taken for dead on every beat, its users flipping offline and online.
  it("sweeps a node whose heartbeat stopped, never one whose clock merely lags", async () => {
    const database = await createTestDatabase(dialect);
    const store = openStore(database.config);
    const errors: unknown[] = [];
    let presence: Presence | undefined;
    let beating: NodeJS.Timeout | undefined;
    try {
      await migrateToLatest(store, pino({ level: "silent" }));
      const nodes = new NodePresenceRepo(store);
      const HOUR = 3_600_000;
      await nodes.heartbeat("lagging", Date.now() - HOUR);
      await nodes.apply("lagging", [{ userId: 61, status: "online", at: Date.now() }]);
      await nodes.heartbeat("dead", Date.now());
      await nodes.apply("dead", [{ userId: 62, status: "online", at: Date.now() }]);
      // The lagging node keeps beating, an hour behind.
      beating = setInterval(() => void nodes.heartbeat("lagging", Date.now() - HOUR), 40);
      presence = new Presence(
        new PresenceRepo(store),
        nodes,
        new ConversationsRepo(store),
        new MemoryBroker(),
        (e) => errors.push(e),
        {
          nodeId: "me",
          heartbeatMs: 50,
          nodeTimeoutMs: 300,
        },
      );
      await presence.start(() => []);
      const status = async (userId: number) =>
        (await store.db.selectFrom("user_status").select("status").where("user_id", "=", userId).executeTakeFirst())?.status;
      await eventually(async () => (await status(62)) === "offline", 5000, "the dead node's user offline");
      // A fixed wait on purpose (a negative check): several sweeps pass, none may take the lagging node's user.
      await new Promise((r) => setTimeout(r, 500));
      expect(await status(61)).toBe("online");
      expect(errors).toEqual([]);
    } finally {
      clearInterval(beating);
      await presence?.leave();
      await store.destroy();
      await database.drop();
    }
  });
});
