import { describeEachDialect, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";

/** The admin API's conversations, sends as a member and notices (integrations contract §1). */
const ADMIN_KEY = "admin-conversations-test-key-0123456789abcdef";

describeEachDialect("admin conversations and messages", (dialect) => {
  const suite = useSuite(dialect, { env: { ADMIN_API_KEY: ADMIN_KEY, GROUP_MAX_MEMBERS: "5" } });
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const admin = (path: string, init: { method?: string; json?: unknown } = {}) =>
    http(path, { ...init, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const users = async (...ids: number[]) => {
    for (const id of ids) expect((await http("/api/me", { userId: id })).status).toBe(200);
  };
  const group = async (memberIds: number[], extra: Record<string, unknown> = {}) => {
    await users(...memberIds);
    const res = await admin("/api/admin/conversations", {
      method: "POST",
      json: { kind: "group", title: "Ops", member_ids: memberIds, ...extra },
    });
    expect(res.status).toBe(201);
    return res.body;
  };

  it("creates a group: the first member owns it by default, frames and history say by null", async () => {
    await users(101, 102, 103);
    const watcher = await suite().connect(102);
    const res = await admin("/api/admin/conversations", {
      method: "POST",
      json: { kind: "group", title: "  Ops  ", member_ids: [101, 102, 103] },
    });
    expect(res.status).toBe(201);
    const g = res.body;
    expect(g).toMatchObject({ kind: "group", title: "Ops", member_count: 3, last_seq: 1 });
    for (const own of ["read_seq", "unread_count", "mention_count", "mentioned"]) expect(g).not.toHaveProperty(own);
    expect(g.members.map((m: any) => [m.user_id, m.role])).toEqual([
      [101, "owner"],
      [102, "member"],
      [103, "member"],
    ]);
    expect(g.last_message).toMatchObject({
      kind: "system",
      sender_id: null,
      system: { event: "conversation_created", actor_id: null, user_ids: [101, 102, 103] },
    });
    const joined = await watcher.next((f) => f.type === "member_joined" && f.conversation_id === g.id);
    expect(joined).toMatchObject({ user_ids: [101, 102, 103], by: null });
    const created = await watcher.next((f) => f.type === "message" && f.conversation_id === g.id);
    expect(created).toMatchObject({ seq: 1, kind: "system", sender_id: null, system: { actor_id: null } });
    // The members see it as their own conversation, with their own fields.
    const mine = await http(`/api/conversations/${g.id}`, { userId: 103 });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ id: g.id, unread_count: 0, read_seq: 0 });
  });

  it("takes owner_ids among the members, and refuses owners from outside, unknown users and bad bodies", async () => {
    const g = await group([111, 112, 113], { owner_ids: [112, 113] });
    expect(g.members.map((m: any) => [m.user_id, m.role])).toEqual([
      [111, "member"],
      [112, "owner"],
      [113, "owner"],
    ]);
    const outside = await admin("/api/admin/conversations", {
      method: "POST",
      json: { kind: "group", title: "x", member_ids: [111], owner_ids: [112] },
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error.code).toBe("invalid_request");
    const unknown = await admin("/api/admin/conversations", {
      method: "POST",
      json: { kind: "group", title: "x", member_ids: [111, 999_001] },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain("999001");
    for (const json of [
      { kind: "group", member_ids: [111] },
      { kind: "group", title: "", member_ids: [111] },
      { kind: "group", title: "x", member_ids: [] },
      { kind: "direct", user_ids: [111] },
      { kind: "direct", user_ids: [111, 111] },
      { kind: "channel", title: "x", member_ids: [111] },
    ]) {
      const res = await admin("/api/admin/conversations", { method: "POST", json });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
    // GROUP_MAX_MEMBERS (5) holds for the admin too.
    await users(114, 115, 116);
    const big = await admin("/api/admin/conversations", {
      method: "POST",
      json: { kind: "group", title: "big", member_ids: [111, 112, 113, 114, 115, 116] },
    });
    expect(big.status).toBe(409);
  });

  it("creates a direct conversation once: 201, then 200 with the same one; 404 for an unknown user", async () => {
    await users(121, 122);
    const first = await admin("/api/admin/conversations", { method: "POST", json: { kind: "direct", user_ids: [121, 122] } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ kind: "direct", member_count: 2 });
    const again = await admin("/api/admin/conversations", { method: "POST", json: { kind: "direct", user_ids: [122, 121] } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    // The same conversation the users reach themselves.
    const own = await http("/api/conversations", { method: "POST", userId: 121, json: { kind: "direct", user_id: 122 } });
    expect(own.body.id).toBe(first.body.id);
    const unknown = await admin("/api/admin/conversations", {
      method: "POST",
      json: { kind: "direct", user_ids: [121, 999_002] },
    });
    expect(unknown.status).toBe(404);
  });

  it("adds and removes members of any group with the owners' frames, by null", async () => {
    const g = await group([131, 132]);
    await users(133);
    const newcomer = await suite().connect(133);
    const member = await suite().connect(132);
    const added = await admin(`/api/admin/conversations/${g.id}/members`, { method: "POST", json: { user_ids: [133] } });
    expect(added.status).toBe(200);
    expect(added.body.members.map((m: any) => m.user_id)).toEqual([131, 132, 133]);
    expect(added.body).not.toHaveProperty("unread_count");
    for (const s of [newcomer, member]) {
      const f = await s.next((x) => x.type === "member_joined" && x.conversation_id === g.id && x.user_ids.join() === "133");
      expect(f.by).toBeNull();
    }
    const removed = await admin(`/api/admin/conversations/${g.id}/members/131`, { method: "DELETE" });
    expect(removed.status).toBe(204);
    const left = await member.next((f) => f.type === "member_left" && f.conversation_id === g.id);
    expect(left).toMatchObject({ user_id: 131, by: null });
    const system = await member.next(
      (f) => f.type === "message" && f.conversation_id === g.id && f.system?.event === "member_left",
    );
    expect(system).toMatchObject({ sender_id: null, system: { actor_id: null, user_ids: [131] } });
    // The last owner went: the longest standing member is promoted.
    const now = await http(`/api/conversations/${g.id}`, { userId: 132 });
    expect(now.body.members.map((m: any) => [m.user_id, m.role])).toEqual([
      [132, "owner"],
      [133, "member"],
    ]);
    expect((await admin(`/api/admin/conversations/${g.id}/members/131`, { method: "DELETE" })).status).toBe(404);
    expect((await admin("/api/admin/conversations/987654/members/132", { method: "DELETE" })).status).toBe(404);
    const unknownGroup = await admin("/api/admin/conversations/987654/members", { method: "POST", json: { user_ids: [133] } });
    expect(unknownGroup.status).toBe(404);
    const unknownUser = await admin(`/api/admin/conversations/${g.id}/members`, {
      method: "POST",
      json: { user_ids: [999_003] },
    });
    expect(unknownUser.status).toBe(404);
    await users(134, 135, 136, 137);
    const full = await admin(`/api/admin/conversations/${g.id}/members`, {
      method: "POST",
      json: { user_ids: [134, 135, 136, 137] },
    });
    expect(full.status).toBe(409);
  });

  it("sends as a member: every connection of every member gets it, the sender's own included", async () => {
    const g = await group([141, 142]);
    const senderA = await suite().connect(141);
    const senderB = await suite().connect(141);
    const other = await suite().connect(142);
    const res = await admin(`/api/admin/conversations/${g.id}/messages`, {
      method: "POST",
      json: { sender_id: 141, content: "from the backend", client_id: "b-1" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ conversation_id: g.id, sender_id: 141, content: "from the backend", client_id: "b-1" });
    expect(res.body).not.toHaveProperty("kind");
    for (const s of [senderA, senderB, other]) {
      const m = await s.next((f) => f.type === "message" && f.content === "from the backend");
      expect(m).toMatchObject({ id: res.body.id, seq: res.body.seq, sender_id: 141 });
    }
    // Idempotent per sender and client_id: the same message, stored once.
    const again = await admin(`/api/admin/conversations/${g.id}/messages`, {
      method: "POST",
      json: { sender_id: 141, content: "from the backend", client_id: "b-1" },
    });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(res.body.id);
    // The sender's own socket send with that client_id is the same message too: one path.
    senderA.send({ type: "send", conversation_id: g.id, content: "from the backend", client_id: "b-1" });
    const ack = await senderA.next((f) => f.type === "ack" && f.client_id === "b-1");
    expect(ack.id).toBe(res.body.id);
    const page = await http(`/api/conversations/${g.id}/messages`, { userId: 142 });
    expect(page.body.messages.filter((m: any) => m.content === "from the backend")).toHaveLength(1);
    // It counts as unread for the others, as any message does.
    const list = await http(`/api/conversations/${g.id}`, { userId: 142 });
    expect(list.body.unread_count).toBe(1);
  });

  it("refuses a sender who is not a member (403), an unknown conversation (404) and bad bodies (400)", async () => {
    const g = await group([151, 152]);
    await users(153);
    const outsider = await admin(`/api/admin/conversations/${g.id}/messages`, {
      method: "POST",
      json: { sender_id: 153, content: "hi" },
    });
    expect(outsider.status).toBe(403);
    expect(outsider.body.error.code).toBe("forbidden");
    const unknown = await admin("/api/admin/conversations/987655/messages", { method: "POST", json: { content: "hi" } });
    expect(unknown.status).toBe(404);
    for (const json of [{ sender_id: 151 }, { content: "" }, { content: "  " }, { content: "x", client_id: "" }, {}]) {
      const res = await admin(`/api/admin/conversations/${g.id}/messages`, { method: "POST", json });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
  });

  it("posts a notice: kind system, event notice, sender null, delivered, not unread, idempotent per conversation", async () => {
    const g = await group([161, 162]);
    const h = await group([161, 163]);
    const member = await suite().connect(162);
    const res = await admin(`/api/admin/conversations/${g.id}/messages`, {
      method: "POST",
      json: { content: "Maintenance at 10:00", client_id: "n-1" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      conversation_id: g.id,
      seq: 2,
      kind: "system",
      system: { event: "notice" },
      sender_id: null,
      content: "Maintenance at 10:00",
      client_id: "n-1",
    });
    expect(res.body.system).toEqual({ event: "notice" });
    const frame = await member.next((f) => f.type === "message" && f.content === "Maintenance at 10:00");
    expect(frame).toMatchObject({ id: res.body.id, kind: "system", sender_id: null, system: { event: "notice" } });
    const again = await admin(`/api/admin/conversations/${g.id}/messages`, {
      method: "POST",
      json: { content: "Maintenance at 10:00", client_id: "n-1" },
    });
    expect(again.body.id).toBe(res.body.id);
    // The same client_id in another conversation is another notice.
    const other = await admin(`/api/admin/conversations/${h.id}/messages`, {
      method: "POST",
      json: { content: "Maintenance at 10:00", client_id: "n-1" },
    });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(res.body.id);
    expect(other.body.conversation_id).toBe(h.id);
    const page = await http(`/api/conversations/${g.id}/messages`, { userId: 162 });
    expect(page.body.messages.map((m: any) => [m.seq, m.kind, m.sender_id])).toEqual([
      [1, "system", null],
      [2, "system", null],
    ]);
    const mine = await http(`/api/conversations/${g.id}`, { userId: 162 });
    expect(mine.body.unread_count).toBe(0);
    expect(mine.body.last_message).toMatchObject({ id: res.body.id, sender_id: null });
    // A notice in a direct conversation names no receiver.
    await users(164);
    const direct = await admin("/api/admin/conversations", { method: "POST", json: { kind: "direct", user_ids: [161, 164] } });
    const notice = await admin(`/api/admin/conversations/${direct.body.id}/messages`, {
      method: "POST",
      json: { content: "Welcome" },
    });
    expect(notice.status).toBe(201);
    expect(notice.body.sender_id).toBeNull();
    expect(notice.body).not.toHaveProperty("receiver_id");
  });

  it("needs a key on every route, and records each change in the audit log (never the text)", async () => {
    await users(171, 172);
    for (const [method, path] of [
      ["POST", "/api/admin/conversations"],
      ["POST", "/api/admin/conversations/1/members"],
      ["DELETE", "/api/admin/conversations/1/members/171"],
      ["POST", "/api/admin/conversations/1/messages"],
    ] as const) {
      expect((await http(path, { method, json: {} })).status, path).toBe(401);
      expect((await http(path, { method, userId: 171, json: {} })).status, path).toBeGreaterThanOrEqual(401);
      expect((await http(path, { method, userId: 171, json: {} })).status, path).toBeLessThanOrEqual(403);
    }
    const g = await group([171, 172]);
    await admin(`/api/admin/conversations/${g.id}/messages`, { method: "POST", json: { content: "secret words" } });
    await admin(`/api/admin/conversations/${g.id}/members/172`, { method: "DELETE" });
    const log = await admin("/api/admin/audit?limit=10");
    expect(log.status).toBe(200);
    const mine = log.body.entries.filter((e: any) => e.target_id === g.id || e.detail?.conversation_id === g.id);
    expect(mine.map((e: any) => e.action)).toEqual(["conversation.members.remove", "message.notice", "conversation.create"]);
    for (const e of mine) expect(e.key_name).toBeTruthy();
    expect(JSON.stringify(log.body)).not.toContain("secret words");
  });

  it("sends as a bot made by the admin API, like any member", async () => {
    const bot = await admin("/api/admin/users", { method: "POST", json: { username: "helperbot", bot: true } });
    expect(bot.status).toBe(201);
    expect(bot.body.bot).toBe(true);
    await users(181);
    const g = await admin("/api/admin/conversations", {
      method: "POST",
      json: { kind: "group", title: "With a bot", member_ids: [181, bot.body.id] },
    });
    expect(g.status).toBe(201);
    const member = await suite().connect(181);
    const res = await admin(`/api/admin/conversations/${g.body.id}/messages`, {
      method: "POST",
      json: { sender_id: bot.body.id, content: "beep, I am a bot" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sender_id: bot.body.id, content: "beep, I am a bot" });
    const frame = await member.next((f) => f.type === "message" && f.content === "beep, I am a bot");
    expect(frame.sender_id).toBe(bot.body.id);
  });
});
