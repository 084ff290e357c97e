import { describeEachDialect, startSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";

/**
 * Issue 12, finding 5: one `GET /api/conversations?limit=200` by a member of 200 groups of
 * 1,000 built 19 MB (every member of every group) and blocked the event loop for 2 s.
 */
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describeEachDialect("conversation list size", (dialect) => {
  it("keeps the list of a user in many big groups small: a member count, not every member", async () => {
    const suite = await startSuite(dialect);
    try {
      const { server } = suite;
      const everyone = range(4001, 400);
      await server.app.chat.users.ensureExists(everyone);
      for (let i = 0; i < 30; i++)
        expect(
          (
            await server.http("/api/conversations", {
              method: "POST",
              userId: 4001,
              json: { kind: "group", title: `big ${i}`, member_ids: everyone.slice(1) },
            })
          ).status,
        ).toBe(201);
      // A direct conversation with a message read by the other: its status comes from the summary.
      const direct = await server.http("/api/conversations", {
        method: "POST",
        userId: 4002,
        json: { kind: "direct", user_id: 4003 },
      });
      const sent = await server.http(`/api/conversations/${direct.body.id}/messages`, {
        method: "POST",
        userId: 4002,
        json: { content: "hi" },
      });
      await server.http(`/api/conversations/${direct.body.id}/read`, {
        method: "POST",
        userId: 4003,
        json: { seq: sent.body.seq },
      });
      const big = (
        await server.http("/api/conversations", {
          method: "POST",
          userId: 4002,
          json: { kind: "group", title: "read", member_ids: [4003] },
        })
      ).body;
      await server.http(`/api/conversations/${big.id}/messages`, { method: "POST", userId: 4002, json: { content: "to one" } });

      const started = performance.now();
      const res = await fetch(`${server.url}/api/conversations?limit=200`, {
        headers: { authorization: `Bearer ${await server.token(4002)}` },
      });
      const text = await res.text();
      const ms = performance.now() - started;
      console.log(
        `[figure] ${dialect}: list of 32 conversations (30 groups of 400): ${text.length} bytes in ${ms.toFixed(0)} ms`,
      );
      const list = JSON.parse(text);
      expect(list).toHaveLength(32);
      expect(text.length).toBeLessThan(32 * 1024);
      const groups = list.filter((c: any) => c.title?.startsWith("big"));
      expect(groups.every((c: any) => c.member_count === 400 && c.members.length === 1 && c.members[0].user_id === 4002)).toBe(
        true,
      );
      const d = list.find((c: any) => c.id === direct.body.id);
      expect(d.members.map((m: any) => m.user_id)).toEqual([4002, 4003]);
      expect(d.member_count).toBe(2);
      expect(d.last_message).toMatchObject({ content: "hi", status: "read", receiver_id: 4003 });
      expect(list.find((c: any) => c.id === big.id).last_message).toMatchObject({ content: "to one", status: "sent" });
      // The group itself lists every member.
      const one = await server.http(`/api/conversations/${groups[0].id}`, { userId: 4002 });
      expect([one.body.members.length, one.body.member_count]).toEqual([400, 400]);
    } finally {
      await suite.done();
    }
  }, 60_000);
});
