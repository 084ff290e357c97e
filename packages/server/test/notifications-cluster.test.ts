import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeEachDialect, describeWithRedis, eventually, REDIS_URL, startSuite } from "@chatapp/testkit";
import { afterAll, expect, it } from "vitest";
import { startPushService } from "./push-service.js";
import { WebhookReceiver } from "./webhook-receiver.js";

/**
 * Notifications across two nodes sharing a database and Redis (integrations §4): a member
 * connected on the other node is never notified, and with a planner on each node every
 * offline member gets exactly one notification per burst, naming the latest message.
 */
describeWithRedis("notifications across two nodes", () => {
  describeEachDialect(
    "one planner's work per conversation",
    (dialect) => {
      const dir = mkdtempSync(join(tmpdir(), "chatapp-notify-"));
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      it("(R) notifies each offline member once, never one connected on the other node", { timeout: 60_000 }, async () => {
        const receiver = await WebhookReceiver.start(`whsec_${randomBytes(32).toString("base64")}`);
        const service = await startPushService();
        // DATABASE_URL only passes the config check (a cluster needs a shared database): the
        // suite's own database replaces it.
        const suite = await startSuite(dialect, {
          env: {
            REDIS_URL,
            UPLOAD_DIR: dir,
            DATABASE_URL: "postgres://u@127.0.0.1/x",
            WEBHOOK_URL: receiver.url,
            WEBHOOK_SECRET: receiver.secret,
            WEBHOOK_EVENTS: "notification.needed",
            PUSH_COLLAPSE_MS: "2000",
            PUSH_ALLOW_PRIVATE_ENDPOINTS: "true",
          },
          configure: (config) => {
            config.push.pollMs = 50;
          },
        });
        const other = await suite.server.restart();
        try {
          const nodes = [suite.server, other];
          const [A, B, C] = [12_001, 12_002, 12_003];
          const offline = [12_011, 12_012, 12_013, 12_014];
          for (const u of [A, B, C, ...offline]) {
            const res = await suite.server.http("/api/push/subscriptions", {
              method: "POST",
              userId: u,
              json: service.subscription(`/u${u}`).toJSON(),
            });
            expect(res.status).toBe(201);
          }
          const group = await suite.server.http("/api/conversations", {
            method: "POST",
            userId: A,
            json: { kind: "group", title: "Both nodes", member_ids: [B, C] },
          });
          const g = group.body.id as number;
          // B is connected on the second node only.
          await suite.connect(B, other);
          await eventually(async () => {
            const rows = await suite.server.app.store.db
              .selectFrom("node_users")
              .select("user_id")
              .where("user_id", "=", B)
              .execute();
            return rows.length > 0;
          });
          const directs: number[] = [];
          for (const u of offline) {
            const res = await suite.server.http("/api/conversations", {
              method: "POST",
              userId: A,
              json: { kind: "direct", user_id: u },
            });
            directs.push(res.body.id);
          }
          // Bursts through both nodes at once: three messages per conversation.
          const last = new Map<number, number>();
          for (let k = 0; k < 3; k++) {
            const sent = await Promise.all(
              [g, ...directs].map((c, i) =>
                nodes[(i + k) % 2]?.http(`/api/conversations/${c}/messages`, {
                  method: "POST",
                  userId: A,
                  json: { content: `m${k}` },
                }),
              ),
            );
            for (const [i, res] of sent.entries()) last.set([g, ...directs][i] as number, res?.body.id);
          }
          const expected = [
            { user: C, conversation: g },
            ...offline.map((u, i) => ({ user: u, conversation: directs[i] as number })),
          ];
          await eventually(
            () => expected.every((e) => receiver.events("notification.needed", (d) => d.user_id === e.user).length > 0),
            15_000,
            "every offline member notified",
          );
          // Both planners had time to plan anything left twice, had they done so.
          await eventually(async () => {
            const jobs = await suite.server.app.store.db.selectFrom("notification_jobs").select("id").execute();
            return jobs.length === 0;
          });
          await new Promise((r) => setTimeout(r, 1500));
          const events = receiver.events("notification.needed").map((e) => e.body.data);
          expect(events).toHaveLength(expected.length);
          for (const e of expected) {
            const mine = events.filter((d) => d.user_id === e.user);
            expect(mine).toHaveLength(1);
            expect(mine[0]).toMatchObject({
              conversation_id: e.conversation,
              message_id: last.get(e.conversation),
              preview: "m2",
            });
          }
          expect(events.some((d) => d.user_id === B || d.user_id === A)).toBe(false);
          // One push each, through either node's sender, and none to A or B.
          await eventually(async () => {
            const left = await suite.server.app.store.db.selectFrom("push_deliveries").select("id").execute();
            return left.length === 0;
          });
          for (const e of expected) {
            const pushes = service.attempts(`/u${e.user}`).map((p) => p.payload);
            expect(pushes).toHaveLength(1);
            expect(pushes[0]).toMatchObject({
              type: "message",
              conversation_id: e.conversation,
              message_id: last.get(e.conversation),
            });
          }
          expect(service.attempts(`/u${A}`)).toEqual([]);
          expect(service.attempts(`/u${B}`)).toEqual([]);
          expect(receiver.invalid).toEqual([]);
          expect(service.invalid).toEqual([]);
        } finally {
          await suite.done([other]);
          await receiver.close();
          await service.close();
        }
      });
    },
    { only: ["mysql", "postgres"] },
  );
});
