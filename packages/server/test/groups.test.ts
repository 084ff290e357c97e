import { describeEachDialect, startSuite, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";

describeEachDialect("groups", (dialect) => {
  const suite = useSuite(dialect);
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);

  async function group(owner: number, members: number[], title = "Team") {
    for (const id of [owner, ...members]) await http("/api/me", { userId: id });
    const res = await http("/api/conversations", {
      method: "POST",
      userId: owner,
      json: { kind: "group", title, member_ids: members },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  it("creates a group with its creator as owner, announces it, and records it in history", async () => {
    const carol = await suite().connect(903);
    const g = await group(901, [902, 903], "  Launch  ");
    expect(g).toMatchObject({ kind: "group", title: "Launch", last_seq: 1, unread_count: 0 });
    expect(g.members.map((m: any) => [m.user_id, m.role])).toEqual([
      [901, "owner"],
      [902, "member"],
      [903, "member"],
    ]);
    const joined = await carol.next((f) => f.type === "member_joined" && f.conversation_id === g.id);
    expect(joined).toMatchObject({ user_ids: [901, 902, 903], by: 901 });
    const created = await carol.next((f) => f.type === "message" && f.conversation_id === g.id);
    expect(created).toMatchObject({
      seq: 1,
      kind: "system",
      sender_id: 901,
      system: { event: "conversation_created", title: "Launch" },
    });
    expect(created).not.toHaveProperty("receiver_id");
  });

  it("delivers one stored message to every member's connections, without receiver_id", async () => {
    const g = await group(911, [912, 913]);
    const a = await suite().connect(911);
    const b = await suite().connect(912);
    const c1 = await suite().connect(913);
    const c2 = await suite().connect(913);
    a.send({ type: "send", conversation_id: g.id, content: "hello team", client_id: "g1" });
    const ack = await a.next((f) => f.type === "ack");
    for (const s of [b, c1, c2]) {
      const m = await s.next((f) => f.type === "message" && f.content === "hello team");
      expect(m).toMatchObject({ id: ack.id, seq: 2, sender_id: 911 });
      expect(m).not.toHaveProperty("receiver_id");
    }
    const page = await http(`/api/conversations/${g.id}/messages`, { userId: 913 });
    expect(page.body.messages.filter((m: any) => m.content === "hello team")).toHaveLength(1);
    // System messages do not count as unread.
    const list = await http("/api/conversations", { userId: 913 });
    expect(list.body.find((c: any) => c.id === g.id).unread_count).toBe(1);
  });

  it("lets owners add members, who then read and send; others may not add", async () => {
    const g = await group(921, [922]);
    const newcomer = await suite().connect(923);
    const member = await suite().connect(922);
    const added = await http(`/api/conversations/${g.id}/members`, {
      method: "POST",
      userId: 921,
      json: { user_ids: [923, 922] },
    });
    expect(added.status).toBe(200);
    expect(added.body.members.map((m: any) => m.user_id)).toEqual([921, 922, 923]);
    for (const s of [newcomer, member]) {
      await s.next((f) => f.type === "member_joined" && f.conversation_id === g.id && f.user_ids.join() === "923");
    }
    newcomer.send({ type: "send", conversation_id: g.id, content: "hi, I am new", client_id: "n1" });
    await member.next((f) => f.type === "message" && f.content === "hi, I am new");
    expect((await http(`/api/conversations/${g.id}/messages`, { userId: 923 })).status).toBe(200);
    const byMember = await http(`/api/conversations/${g.id}/members`, { method: "POST", userId: 922, json: { user_ids: [924] } });
    expect(byMember.status).toBe(403);
    const byOutsider = await http(`/api/conversations/${g.id}/members`, {
      method: "POST",
      userId: 925,
      json: { user_ids: [925] },
    });
    expect(byOutsider.status).toBe(404);
    const unknown = await http(`/api/conversations/${g.id}/members`, {
      method: "POST",
      userId: 921,
      json: { user_ids: [999_999] },
    });
    expect(unknown.status).toBe(404);
  });

  it("stops delivering to a removed member at once, and shuts them out of the conversation", async () => {
    const g = await group(931, [932, 933]);
    const owner = await suite().connect(931);
    const removed = await suite().connect(933);
    const stays = await suite().connect(932);
    const res = await http(`/api/conversations/${g.id}/members/933`, { method: "DELETE", userId: 931 });
    expect(res.status).toBe(204);
    await removed.next((f) => f.type === "member_left" && f.user_id === 933 && f.by === 931);
    await stays.next((f) => f.type === "member_left" && f.user_id === 933);
    owner.send({ type: "send", conversation_id: g.id, content: "after removal", client_id: "r1" });
    await stays.next((f) => f.type === "message" && f.content === "after removal");
    await removed.roundTrip();
    expect(removed.ofType("message").filter((m) => m.content === "after removal")).toHaveLength(0);
    expect((await http(`/api/conversations/${g.id}/messages`, { userId: 933 })).status).toBe(404);
    removed.send({ type: "send", conversation_id: g.id, content: "let me in", client_id: "r2" });
    expect((await removed.next((f) => f.type === "error")).code).toBe("forbidden");
    const history = await http(`/api/conversations/${g.id}/messages`, { userId: 932 });
    expect(history.body.messages.map((m: any) => m.system?.event ?? m.content)).toEqual([
      "conversation_created",
      "member_left",
      "after removal",
    ]);
    // A member may not remove others.
    expect((await http(`/api/conversations/${g.id}/members/931`, { method: "DELETE", userId: 932 })).status).toBe(403);
  });

  it("lets anyone leave, and promotes a member when the last owner leaves", async () => {
    const g = await group(941, [942, 943]);
    expect((await http(`/api/conversations/${g.id}/members/941`, { method: "DELETE", userId: 941 })).status).toBe(204);
    const after = await http(`/api/conversations/${g.id}`, { userId: 942 });
    expect(after.body.members.map((m: any) => [m.user_id, m.role])).toEqual([
      [942, "owner"],
      [943, "member"],
    ]);
    expect((await http(`/api/conversations/${g.id}`, { userId: 941 })).status).toBe(404);
    expect((await http(`/api/conversations/${g.id}/members/943`, { method: "DELETE", userId: 943 })).status).toBe(204);
  });

  it("lets owners rename the group; members get conversation_updated", async () => {
    const g = await group(951, [952]);
    const member = await suite().connect(952);
    const res = await http(`/api/conversations/${g.id}`, { method: "PATCH", userId: 951, json: { title: "Renamed" } });
    expect(res.body.title).toBe("Renamed");
    await member.next((f) => f.type === "conversation_updated" && f.title === "Renamed" && f.by === 951);
    expect((await http(`/api/conversations/${g.id}`, { method: "PATCH", userId: 952, json: { title: "Mine" } })).status).toBe(
      403,
    );
    expect((await http(`/api/conversations/${g.id}`, { method: "PATCH", userId: 951, json: { title: "   " } })).status).toBe(400);
  });

  it("finds or creates direct conversations, the same ones receiver_id sends land in", async () => {
    await http("/api/me", { userId: 962 });
    const first = await http("/api/conversations", { method: "POST", userId: 961, json: { kind: "direct", user_id: 962 } });
    expect(first.status).toBe(201);
    const again = await http("/api/conversations", { method: "POST", userId: 962, json: { kind: "direct", user_id: 961 } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const s = await suite().connect(961);
    s.send({ type: "send", receiver_id: 962, content: "same place", client_id: "d1" });
    expect((await s.next((f) => f.type === "ack")).conversation_id).toBe(first.body.id);
    expect(
      (await http("/api/conversations", { method: "POST", userId: 961, json: { kind: "direct", user_id: 961 } })).status,
    ).toBe(400);
    expect(
      (await http("/api/conversations", { method: "POST", userId: 961, json: { kind: "direct", user_id: 999_999 } })).status,
    ).toBe(404);
    const direct = await http(`/api/conversations/${first.body.id}/members`, {
      method: "POST",
      userId: 961,
      json: { user_ids: [963] },
    });
    expect(direct.status).toBe(400);
  });

  it("tells every member of reads, and only the member's own devices of deliveries", async () => {
    const g = await group(991, [992, 993]);
    const sender = await suite().connect(991);
    const reader = await suite().connect(992);
    const readerPhone = await suite().connect(992);
    const other = await suite().connect(993);
    sender.send({ type: "send", conversation_id: g.id, content: "receipts?", client_id: "rc1" });
    const ack = await sender.next((f) => f.type === "ack");
    await readerPhone.next((f) => f.type === "receipt" && f.user_id === 992 && f.delivered_seq === ack.seq);
    reader.send({ type: "read", conversation_id: g.id, seq: ack.seq });
    await sender.next((f) => f.type === "receipt" && f.user_id === 992 && f.read_seq === ack.seq);
    await other.next((f) => f.type === "receipt" && f.user_id === 992 && f.read_seq === ack.seq);
    // Other members' deliveries alone never reached anyone else (one's own devices hear of one's own).
    expect(sender.ofType("receipt").filter((r) => r.user_id !== 991 && r.read_seq < ack.seq)).toEqual([]);
    expect(other.ofType("receipt").filter((r) => r.user_id !== 993 && r.read_seq < ack.seq)).toEqual([]);
  });

  it("validates group bodies", async () => {
    for (const json of [{ kind: "group", member_ids: [] }, { kind: "group", title: "", member_ids: [] }, { kind: "club" }, {}]) {
      expect((await http("/api/conversations", { method: "POST", userId: 971, json })).status).toBe(400);
    }
  });
});

describeEachDialect(
  "group size limit",
  (dialect) => {
    it("refuses to grow a group past GROUP_MAX_MEMBERS", async () => {
      const suite = await startSuite(dialect, { env: { GROUP_MAX_MEMBERS: "3" } });
      try {
        for (const id of [981, 982, 983, 984]) await suite.server.http("/api/me", { userId: id });
        const tooBig = await suite.server.http("/api/conversations", {
          method: "POST",
          userId: 981,
          json: { kind: "group", title: "Big", member_ids: [982, 983, 984] },
        });
        expect(tooBig.status).toBe(409);
        const ok = await suite.server.http("/api/conversations", {
          method: "POST",
          userId: 981,
          json: { kind: "group", title: "Full", member_ids: [982, 983] },
        });
        expect(ok.status).toBe(201);
        const more = await suite.server.http(`/api/conversations/${ok.body.id}/members`, {
          method: "POST",
          userId: 981,
          json: { user_ids: [984] },
        });
        expect(more.status).toBe(409);
      } finally {
        await suite.done();
      }
    });
  },
  { only: ["sqlite"] },
);
