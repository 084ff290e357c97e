import { randomBytes } from "node:crypto";
import { describeEachDialect, eventually, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";
import { WebhookReceiver } from "./webhook-receiver.js";

describeEachDialect("webhook outbox costs", (dialect) => {
  const suite = useSuite(dialect);

  it("writes no event that no endpoint wants, and the wanted ones once one does", async () => {
    const { server } = suite();
    const events = () => server.app.store.db.selectFrom("webhook_events").select(["type", "conversation_id"]).execute();
    const deliveries = () => server.app.store.db.selectFrom("webhook_deliveries").select("id").execute();
    for (const u of [6101, 6102]) await server.http("/api/me", { userId: u });
    const group = async (title: string) =>
      (
        await server.http("/api/conversations", {
          method: "POST",
          userId: 6101,
          json: { kind: "group", title, member_ids: [6102] },
        })
      ).body.id as number;
    const g = await group("quiet");
    await server.http(`/api/conversations/${g}/messages`, { method: "POST", userId: 6101, json: { content: "nobody listens" } });
    expect(await events()).toEqual([]);

    const receiver = await WebhookReceiver.start(`whsec_${randomBytes(32).toString("base64")}`);
    try {
      await server.app.webhooks.endpoints.create({ url: receiver.url, secret: receiver.secret, events: ["member.added"] });
      await server.http(`/api/conversations/${g}/messages`, {
        method: "POST",
        userId: 6101,
        json: { content: "still not wanted" },
      });
      const h = await group("heard");
      // Only the member.added is stored (and then delivered and pruned, or still waiting).
      const stored = await events();
      expect(stored.every((e) => e.type === "member.added")).toBe(true);
      await receiver.waitFor("member.added", (d) => d.conversation_id === h);
      expect(receiver.received.map((r) => r.body.type)).toEqual(["member.added"]);
      // Answered 2xx: the delivery row goes.
      await eventually(async () => (await deliveries()).length === 0, 5000, "the delivery removed");
    } finally {
      await receiver.close();
    }
  });
});
