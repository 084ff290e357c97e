import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLOSE } from "@chatapp/protocol";
import { describeEachDialect, describeWithRedis, eventually, REDIS_URL, startSuite } from "@chatapp/testkit";
import { afterAll, expect, it } from "vitest";

/** An erasure on one node, seen on another (integrations contract §1: a cluster acts as one). */
const KEY = "admin-erase-nodes-test-key-0123456789abcdef";

describeWithRedis("erasure across two nodes", () => {
  describeEachDialect(
    "erase",
    (dialect) => {
      const dir = mkdtempSync(join(tmpdir(), "chatapp-erase-"));
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      it("closes the user's socket on the other node with 4003, and that node forgets the id", async () => {
        // DATABASE_URL only passes the config check (a cluster needs a shared database): the
        // suite's own database replaces it.
        const suite = await startSuite(dialect, {
          env: { REDIS_URL, UPLOAD_DIR: dir, DATABASE_URL: "postgres://u@127.0.0.1/x", ADMIN_API_KEY: KEY },
        });
        const other = await suite.server.restart();
        try {
          const [erased, peer] = [790_001, 790_002];
          for (const id of [erased, peer]) expect((await other.http("/api/me", { userId: id })).status).toBe(200);
          const socket = await suite.connect(erased, other);
          const sender = await suite.connect(peer, other);
          // The other node learns that the id exists (its directory caches it) through a direct send.
          sender.send({ type: "send", receiver_id: erased, content: "hello", client_id: "before" });
          await sender.next((f) => f.type === "ack" && f.client_id === "before");

          const res = await fetch(`${suite.server.url}/api/admin/users/${erased}`, {
            method: "DELETE",
            headers: { "x-api-key": KEY },
          });
          expect(res.status).toBe(200);
          await eventually(() => socket.closeCode === CLOSE.ACCOUNT_DISABLED, 5000, "4003 on the other node");
          expect((await other.http("/api/me", { userId: erased })).status).toBe(403);
          // No direct send on the other node takes the erased id in again.
          await eventually(
            async () => {
              const client = `after-${Date.now()}`;
              sender.send({ type: "send", receiver_id: erased, content: "still there?", client_id: client });
              const answer = await sender.next((f) => (f.type === "ack" || f.type === "error") && f.client_id === client);
              return answer.type === "error" && answer.code === "not_found";
            },
            5000,
            "the other node refuses sends to the erased id",
          );
          const rows = await suite.server.app.store.db
            .selectFrom("members")
            .select("conversation_id")
            .where("user_id", "=", erased)
            .execute();
          expect(rows).toEqual([]);
        } finally {
          await suite.done([other]);
        }
      });
    },
    { only: ["mysql", "postgres"] },
  );
});
