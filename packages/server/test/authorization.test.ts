import { describeEachDialect, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";

/**
 * One user reaching into another's conversation, by every route and frame that names a
 * conversation or a message: each is refused, and the answer is the same as for a
 * conversation or message that does not exist, so it tells nothing.
 */
describeEachDialect("authorization", (dialect) => {
  const suite = useSuite(dialect);
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const A = 1201;
  const B = 1202;
  const EVE = 1209;
  const MISSING = 987_654;

  async function setup() {
    for (const id of [B, EVE]) await http("/api/me", { userId: id });
    const direct = (await http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: B } })).body
      .id;
    const group = (
      await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "Private", member_ids: [B] } })
    ).body.id;
    const message = (
      await http(`/api/conversations/${direct}/messages`, { method: "POST", userId: A, json: { content: "confidential zebra" } })
    ).body;
    await http(`/api/conversations/${group}/messages`, {
      method: "POST",
      userId: B,
      json: { content: "confidential zebra in a group" },
    });
    return { direct, group, message };
  }

  it("refuses every conversation route to an outsider exactly as for a conversation that does not exist", async () => {
    const { direct, group } = await setup();
    const routes: [string, string, unknown?][] = [
      ["GET", "/api/conversations/:id"],
      ["PATCH", "/api/conversations/:id", { title: "mine" }],
      ["GET", "/api/conversations/:id/messages"],
      ["GET", "/api/conversations/:id/messages?after_seq=0"],
      ["POST", "/api/conversations/:id/messages", { content: "hi" }],
      ["POST", "/api/conversations/:id/read", { seq: 1 }],
      ["POST", "/api/conversations/:id/members", { user_ids: [EVE] }],
      ["DELETE", `/api/conversations/:id/members/${B}`],
      ["DELETE", `/api/conversations/:id/members/${EVE}`],
      ["PUT", "/api/conversations/:id/mute", {}],
      ["PUT", "/api/conversations/:id/mute", { until: "2999-01-01T00:00:00.000Z" }],
      ["DELETE", "/api/conversations/:id/mute"],
    ];
    for (const [method, path, json] of routes) {
      const missing = await http(path.replace(":id", String(MISSING)), { method, userId: EVE, json });
      expect(missing.status, `${method} ${path} (missing)`).toBe(404);
      for (const id of [direct, group]) {
        const res = await http(path.replace(":id", String(id)), { method, userId: EVE, json });
        expect(res, `${method} ${path} on ${id}`).toEqual(missing);
      }
    }
    // Nothing changed: no message from Eve, no new member, the title as it was.
    const g = await http(`/api/conversations/${group}`, { userId: A });
    expect(g.body.title).toBe("Private");
    expect(g.body.members.map((m: any) => m.user_id)).toEqual([A, B]);
    const page = await http(`/api/conversations/${direct}/messages`, { userId: A });
    expect(page.body.messages.every((m: any) => m.sender_id !== EVE)).toBe(true);
  });

  it("refuses every message route to an outsider exactly as for a message that does not exist", async () => {
    const { message } = await setup();
    for (const [method, json] of [
      ["PATCH", { content: "edited by eve" }],
      ["DELETE", undefined],
    ] as const) {
      const missing = await http(`/api/messages/${MISSING}`, { method, userId: EVE, json });
      const real = await http(`/api/messages/${message.id}`, { method, userId: EVE, json });
      expect(missing.status).toBe(404);
      expect(real).toEqual(missing);
    }
    const page = await http(`/api/conversations/${message.conversation_id}/messages`, { userId: B });
    expect(page.body.messages.find((m: any) => m.id === message.id)).toMatchObject({ content: "confidential zebra" });
  });

  it("keeps other people's conversations out of the outsider's list, history, search and receipts", async () => {
    const { direct, group } = await setup();
    const eve = await suite().connect(EVE);
    expect((await http("/api/conversations", { userId: EVE })).body).toEqual([]);
    expect((await http(`/api/messages/history?user_id=${A}`, { userId: EVE })).body).toEqual([]);
    expect((await http("/api/messages/history", { userId: EVE })).body).toEqual([]);
    expect((await http("/api/search?q=zebra", { userId: EVE })).body).toEqual({ messages: [], has_more: false });
    expect((await http("/api/search?q=zebra", { userId: B })).body.messages.length).toBeGreaterThanOrEqual(2);
    // Activity in the conversations reaches Eve in no form.
    const a = await suite().connect(A);
    a.send({ type: "send", conversation_id: group, content: "more zebra", client_id: "z1" });
    a.send({ type: "typing", conversation_id: direct });
    a.send({ type: "read", conversation_id: group, seq: 1 });
    await a.next((f) => f.type === "ack");
    await eve.roundTrip();
    expect(eve.frames.filter((f) => f.conversation_id === direct || f.conversation_id === group)).toEqual([]);
  });

  it("refuses every socket frame that names a conversation one is not in with `forbidden`, the same as a missing one", async () => {
    const { direct, group } = await setup();
    const eve = await suite().connect(EVE);
    const frames = (id: number) => [
      { type: "send", conversation_id: id, content: "let me in", client_id: `s${id}` },
      { type: "typing", conversation_id: id },
      { type: "read", conversation_id: id, seq: 1 },
    ];
    const answers = async (id: number) => {
      const out: unknown[] = [];
      for (const frame of frames(id)) {
        const from = eve.frames.length;
        eve.send(frame);
        const err = await eve.next((f) => f.type === "error", 5000, from);
        out.push({ code: err.code, message: err.message });
      }
      return out;
    };
    const missing = await answers(MISSING);
    expect(missing.every((e: any) => e.code === "forbidden")).toBe(true);
    expect(await answers(direct)).toEqual(missing);
    expect(await answers(group)).toEqual(missing);
  });
});
