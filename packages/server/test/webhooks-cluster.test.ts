import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeEachDialect, describeWithRedis, eventually, REDIS_URL, startSuite } from "@chatapp/testkit";
import { afterAll, expect, it } from "vitest";
import { WebhookReceiver } from "./webhook-receiver.js";

describeWithRedis("webhooks across two nodes", () => {
  describeEachDialect(
    "one shared outbox",
    (dialect) => {
      const dir = mkdtempSync(join(tmpdir(), "chatapp-webhooks-"));
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      it("delivers each event once, one at a time per conversation, in order", { timeout: 60_000 }, async () => {
        const receiver = await WebhookReceiver.start(`whsec_${randomBytes(32).toString("base64")}`);
        // Answers are held a little, so two nodes sending the same conversation at once would overlap.
        receiver.delayMs = 20;
        // DATABASE_URL only passes the config check (a cluster needs a shared database): the
        // suite's own database replaces it.
        const suite = await startSuite(dialect, {
          env: {
            REDIS_URL,
            UPLOAD_DIR: dir,
            DATABASE_URL: "postgres://u@127.0.0.1/x",
            WEBHOOK_URL: receiver.url,
            WEBHOOK_SECRET: receiver.secret,
            WEBHOOK_EVENTS: "message.created",
          },
        });
        const other = await suite.server.restart();
        try {
          const nodes = [suite.server, other];
          const [A, B] = [8601, 8602];
          for (const u of [A, B]) await suite.server.http("/api/me", { userId: u });
          const groups: number[] = [];
          for (let i = 0; i < 3; i++) {
            const res = await nodes[i % 2]?.http("/api/conversations", {
              method: "POST",
              userId: A,
              json: { kind: "group", title: `c${i}`, member_ids: [B] },
            });
            groups.push(res?.body.id);
          }
          // Sends through both nodes, interleaved, several at once.
          const sends = [];
          for (let k = 0; k < 12; k++) {
            for (const [i, g] of groups.entries()) {
              const node = nodes[(k + i) % 2];
              sends.push(
                node?.http(`/api/conversations/${g}/messages`, { method: "POST", userId: A, json: { content: `m${k}` } }),
              );
            }
          }
          await Promise.all(sends);
          const expected = groups.length * 13;
          await eventually(() => receiver.delivered.length >= expected, 30_000, "every message delivered");
          // Nothing more comes: each event was delivered exactly once.
          await new Promise((r) => setTimeout(r, 1500));
          expect(receiver.received).toHaveLength(expected);
          expect(new Set(receiver.received.map((r) => r.id)).size).toBe(expected);
          expect(receiver.overlaps).toEqual([]);
          for (const g of groups) {
            const seqs = receiver.delivered.filter((r) => r.body.data.conversation_id === g).map((r) => r.body.data.seq);
            expect(seqs).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
          }
          expect(receiver.invalid).toEqual([]);
        } finally {
          await suite.done([other]);
          await receiver.close();
        }
      });
    },
    { only: ["mysql", "postgres"] },
  );
});
