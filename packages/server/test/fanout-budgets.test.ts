import { describeEachDialect, eventually, startSuite, type TestServer } from "@chatapp/testkit";
import { expect, it } from "vitest";

/**
 * Issue 12, findings 5 and 6: every action that reaches all members of a conversation has a
 * per-user budget (the message rate covered sends only), and presence flapping is throttled.
 */
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

async function newGroup(server: TestServer, owner: number, members: number[], title = "g") {
  return server.http("/api/conversations", {
    method: "POST",
    userId: owner,
    json: { kind: "group", title, member_ids: members },
  });
}

describeEachDialect(
  "budgets for what fans out",
  (dialect) => {
    it("refuses renames, edits, deletes and member churn past the action budget with rate_limited", async () => {
      const suite = await startSuite(dialect, { env: { RATE_ACTIONS_PER_MINUTE: "6", RATE_ACTIONS_BURST: "3" } });
      try {
        const { server } = suite;
        await server.app.chat.users.ensureExists(range(3101, 6));
        const watcher = await suite.connect(3102);
        // Renames: three pass, the fourth is refused, and nothing of it is stored or pushed.
        const g = (await newGroup(server, 3101, [3102, 3103])).body;
        for (let i = 0; i < 3; i++) {
          const ok = await server.http(`/api/conversations/${g.id}`, { method: "PATCH", userId: 3101, json: { title: `t${i}` } });
          expect(ok.status).toBe(200);
        }
        const over = await fetch(`${server.url}/api/conversations/${g.id}`, {
          method: "PATCH",
          headers: { authorization: `Bearer ${await server.token(3101)}`, "content-type": "application/json" },
          body: JSON.stringify({ title: "one too many" }),
        });
        expect(over.status).toBe(429);
        expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(((await over.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
        await watcher.roundTrip();
        expect(watcher.ofType("conversation_updated").filter((f) => f.conversation_id === g.id)).toHaveLength(3);
        const page = await server.http(`/api/conversations/${g.id}/messages`, { userId: 3102 });
        expect(page.body.messages.filter((m: any) => m.system?.event === "conversation_updated")).toHaveLength(3);

        // Edits and deletes share the budget of their author.
        const sent = await server.http(`/api/conversations/${g.id}/messages`, {
          method: "POST",
          userId: 3102,
          json: { content: "x" },
        });
        const statuses = [];
        for (let i = 0; i < 3; i++) {
          statuses.push(
            (await server.http(`/api/messages/${sent.body.id}`, { method: "PATCH", userId: 3102, json: { content: `e${i}` } }))
              .status,
          );
        }
        statuses.push((await server.http(`/api/messages/${sent.body.id}`, { method: "DELETE", userId: 3102 })).status);
        expect(statuses).toEqual([200, 200, 200, 429]);

        // Member churn: add, remove, leave.
        const h = (await newGroup(server, 3104, [3105])).body;
        const churn = [
          (await server.http(`/api/conversations/${h.id}/members`, { method: "POST", userId: 3104, json: { user_ids: [3106] } }))
            .status,
          (await server.http(`/api/conversations/${h.id}/members/3106`, { method: "DELETE", userId: 3104 })).status,
          (await server.http(`/api/conversations/${h.id}/members`, { method: "POST", userId: 3104, json: { user_ids: [3106] } }))
            .status,
          (await server.http(`/api/conversations/${h.id}/members/3106`, { method: "DELETE", userId: 3104 })).status,
        ];
        expect(churn).toEqual([200, 204, 200, 429]);
        // Another user's budget is their own.
        expect((await server.http(`/api/conversations/${h.id}/members/3105`, { method: "DELETE", userId: 3105 })).status).toBe(
          204,
        );
      } finally {
        await suite.done();
      }
    });

    it("limits group creation and member additions per user", async () => {
      const suite = await startSuite(dialect, {
        env: { GROUP_MAX_MEMBERS: "60", RATE_GROUPS_PER_HOUR: "3", RATE_MEMBER_ADDS_PER_HOUR: "100" },
      });
      try {
        const { server } = suite;
        await server.app.chat.users.ensureExists(range(3201, 70));
        const members = range(3211, 40);
        // 40 + 40 members pass; 40 more would pass the 100 added per hour.
        const first = await newGroup(server, 3201, members);
        expect(first.status).toBe(201);
        const second = await newGroup(server, 3201, members);
        expect(second.status).toBe(201);
        const third = await newGroup(server, 3201, members);
        expect([third.status, third.body.error.code]).toEqual([429, "rate_limited"]);
        const add = (id: number, userIds: number[]) =>
          server.http(`/api/conversations/${id}/members`, { method: "POST", userId: 3201, json: { user_ids: userIds } });
        expect((await add(second.body.id, range(3251, 9))).status).toBe(200); // 89 added
        expect((await add(first.body.id, range(3251, 15))).status).toBe(429); // 104
        expect((await add(first.body.id, range(3251, 11))).status).toBe(200); // 100
        // Groups per hour, however small.
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push((await newGroup(server, 3202, [3203])).status);
        expect(statuses).toEqual([201, 201, 201, 429]);
        const list = await server.http("/api/conversations", { userId: 3203 });
        expect(list.body).toHaveLength(3);
      } finally {
        await suite.done();
      }
    });
  },
  { only: ["sqlite"] },
);

describeEachDialect(
  "presence flapping",
  (dialect) => {
    it("costs a watching contact a bounded number of status_update frames, ending on the right state", async () => {
      const interval = 500;
      const suite = await startSuite(dialect, { env: { PRESENCE_ANNOUNCE_INTERVAL_MS: String(interval) } });
      try {
        const { server } = suite;
        await server.app.chat.users.ensureExists([3301, 3302]);
        await server.http("/api/conversations", { method: "POST", userId: 3302, json: { kind: "direct", user_id: 3301 } });
        const watcher = await suite.connect(3302);
        const started = performance.now();
        // Each change recorded before the next, as a flapping client's would be.
        const recorded = async (status: string) =>
          eventually(async () => (await server.app.chat.presence.statuses(3301, 3301))[0]?.status === status, 5000, status);
        for (let i = 0; i < 100; i++) {
          const flap = await server.connect(3301);
          await recorded("online");
          await flap.close();
          await recorded("offline");
        }
        const seconds = (performance.now() - started) / 1000;
        // The last state (offline) arrives once the interval is over.
        await eventually(
          () =>
            watcher.ofType("status_update").at(-1)?.status === "offline" &&
            performance.now() - started > seconds * 1000 + 2 * interval,
          10_000,
          "the final offline",
        );
        const updates = watcher.ofType("status_update").filter((f) => f.user_id === 3301);
        console.log(
          `[figure] ${dialect}: 100 connect/close cycles in ${seconds.toFixed(1)} s: ${updates.length} status_update frames at a contact`,
        );
        expect(updates.length).toBeLessThanOrEqual(Math.ceil((seconds * 1000) / interval) + 2);
        expect(updates.at(-1)).toMatchObject({ status: "offline" });
        // And coming back is announced too.
        const back = await suite.connect(3301);
        await watcher.next(
          (f) => f.type === "status_update" && f.user_id === 3301 && f.status === "online",
          5000,
          watcher.frames.length,
        );
        await back.close();
      } finally {
        await suite.done();
      }
    });
  },
  { only: ["sqlite"] },
);
