import { describeEachDialect, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";

/** Export and erasure of a user's data through the admin API (integrations contract §1). */
const ADMIN_KEY = "admin-user-data-test-key-0123456789abcdef";

describeEachDialect("admin export and erase", (dialect) => {
  const suite = useSuite(dialect, { env: { ADMIN_API_KEY: ADMIN_KEY } });
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const admin = (path: string, init: { method?: string; json?: unknown } = {}) =>
    http(path, { ...init, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const users = async (...ids: number[]) => {
    for (const id of ids) expect((await http("/api/me", { userId: id })).status).toBe(200);
  };
  const send = async (userId: number, conversationId: number, content: string) => {
    const res = await http(`/api/conversations/${conversationId}/messages`, { method: "POST", userId, json: { content } });
    expect(res.status).toBe(201);
    return res.body;
  };
  const newGroup = async (owner: number, members: number[], title: string) => {
    const res = await http("/api/conversations", {
      method: "POST",
      userId: owner,
      json: { kind: "group", title, member_ids: members },
    });
    expect(res.status).toBe(201);
    return res.body;
  };

  it("exports the user, their conversations with role, and only the messages they sent that are not deleted", async () => {
    await users(201, 202);
    const g = await newGroup(201, [202], "Export team");
    const direct = (await http("/api/conversations", { method: "POST", userId: 202, json: { kind: "direct", user_id: 201 } }))
      .body;
    const kept = await send(201, g.id, "mine, kept");
    const edited = await send(201, direct.id, "mine, to edit");
    expect(
      (await http(`/api/messages/${edited.id}`, { method: "PATCH", userId: 201, json: { content: "mine, edited" } })).status,
    ).toBe(200);
    const gone = await send(201, g.id, "mine, deleted");
    expect((await http(`/api/messages/${gone.id}`, { method: "DELETE", userId: 201 })).status).toBe(200);
    await send(202, g.id, "someone else's");
    const res = await admin("/api/admin/users/201/export");
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.user).toMatchObject({ id: 201 });
    expect(Date.parse(doc.exported_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(doc.conversations).toEqual([
      { id: g.id, kind: "group", title: "Export team", role: "owner" },
      { id: direct.id, kind: "direct", title: null, role: "member" },
    ]);
    expect(doc.messages).toEqual([
      { id: kept.id, conversation_id: g.id, seq: kept.seq, content: "mine, kept", timestamp: kept.timestamp },
      {
        id: edited.id,
        conversation_id: direct.id,
        seq: edited.seq,
        content: "mine, edited",
        timestamp: edited.timestamp,
        edited_at: expect.any(String),
      },
    ]);
    expect(doc.blocks).toEqual([]);
    expect(doc.push_subscriptions).toEqual([]);
    expect(doc.reports).toEqual([]);
    expect((await admin("/api/admin/users/999201/export")).status).toBe(404);
  });

  it("exports and ends the user's blocks, mutes and reports; reports about them lose the copied text", async () => {
    await users(261, 262, 263);
    const g = await newGroup(261, [262, 263], "Moderated");
    expect((await http("/api/blocks/263", { method: "POST", userId: 261 })).status).toBe(204);
    expect((await http("/api/blocks/261", { method: "POST", userId: 262 })).status).toBe(204);
    expect((await http(`/api/conversations/${g.id}/mute`, { method: "PUT", userId: 261, json: {} })).status).toBe(200);
    const theirs = await send(262, g.id, "reported words of 262");
    const mine = await send(261, g.id, "words of 261");
    const made = await http(`/api/messages/${theirs.id}/report`, { method: "POST", userId: 261, json: { reason: "rude" } });
    expect(made.status).toBe(201);
    const about = await http(`/api/messages/${mine.id}/report`, { method: "POST", userId: 263, json: { reason: "spam" } });
    expect(about.status).toBe(201);

    const doc = (await admin("/api/admin/users/261/export")).body;
    expect(doc.blocks).toEqual([{ user_id: 263, created_at: expect.any(String) }]);
    expect(doc.reports).toEqual([{ id: made.body.id, message_id: theirs.id, reason: "rude", created_at: made.body.created_at }]);

    expect((await admin("/api/admin/users/261", { method: "DELETE" })).status).toBe(200);
    // 262's block of 261 ended too: 262 may block and list again from scratch.
    expect((await http("/api/blocks", { userId: 262 })).body).toEqual([]);
    const reports = (await admin("/api/admin/reports")).body.reports as { id: number; content: string }[];
    expect(reports.find((r) => r.id === made.body.id)).toBeUndefined();
    expect(reports.find((r) => r.id === about.body.id)).toMatchObject({ content: "" });
  });

  it("erases a user: messages become deleted in place and leave search, memberships and the account end", async () => {
    await users(211, 212, 213);
    const g = await newGroup(211, [212, 213], "Erase team");
    const direct = (await http("/api/conversations", { method: "POST", userId: 212, json: { kind: "direct", user_id: 211 } }))
      .body;
    const sent: any[] = [];
    for (let i = 0; i < 5; i++) sent.push(await send(211, g.id, `zebracorn secret ${i}`));
    sent.push(await send(211, direct.id, "zebracorn direct secret"));
    await send(212, g.id, "zebracorn reply from 212");
    const thread = (
      await http(`/api/conversations/${g.id}/messages`, {
        method: "POST",
        userId: 211,
        json: { content: "zebracorn in a thread", thread_root_id: sent[0].id },
      })
    ).body;
    sent.push(thread);
    expect((await http(`/api/search?q=zebracorn`, { userId: 212 })).body.messages.length).toBe(sent.length + 1);
    const watcher = await suite().connect(212);

    const res = await admin("/api/admin/users/211", { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user_id: 211, messages_deleted: sent.length });

    // In place: same ids and seqs, empty content, deleted; seq stays gap-free.
    const page = await http(`/api/conversations/${g.id}/messages`, { userId: 212 });
    const bySeq = new Map(page.body.messages.map((m: any) => [m.seq, m]));
    for (const m of sent.filter((x) => x.conversation_id === g.id)) {
      expect(bySeq.get(m.seq)).toMatchObject({ id: m.id, content: "", deleted: true });
    }
    const seqs = page.body.messages.map((m: any) => m.seq);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
    expect(page.body.messages.find((m: any) => m.content === "zebracorn reply from 212")).toBeDefined();
    // The thread root counts no deleted reply.
    expect(bySeq.get(sent[0].seq)).not.toHaveProperty("reply_count");
    const dm = await http(`/api/conversations/${direct.id}/messages`, { userId: 212 });
    expect(dm.body.messages.find((m: any) => m.id === sent[5].id)).toMatchObject({ content: "", deleted: true });
    // Out of search: only the other member's message is found.
    const found = await http(`/api/search?q=zebracorn`, { userId: 212 });
    expect(found.body.messages.map((m: any) => m.content)).toEqual(["zebracorn reply from 212"]);

    // Memberships ended: the group was told (by null), an owner was promoted; the direct conversation keeps one member.
    const left = await watcher.next((f) => f.type === "member_left" && f.conversation_id === g.id);
    expect(left).toMatchObject({ user_id: 211, by: null });
    const now = await http(`/api/conversations/${g.id}`, { userId: 212 });
    expect(now.body.members.map((m: any) => [m.user_id, m.role])).toEqual([
      [212, "owner"],
      [213, "member"],
    ]);
    const d = await http(`/api/conversations/${direct.id}`, { userId: 212 });
    expect(d.body.members.map((m: any) => m.user_id)).toEqual([212]);

    // No direct send reaches the erased id, and no conversation takes it in again.
    const sender = await suite().connect(212);
    sender.send({ type: "send", receiver_id: 211, content: "still there?", client_id: "after-erase" });
    const refused = await sender.next((f) => f.type === "error" && f.client_id === "after-erase");
    expect(refused.code).toBe("not_found");
    const rows = await suite()
      .server.app.store.db.selectFrom("members")
      .select("conversation_id")
      .where("user_id", "=", 211)
      .execute();
    expect(rows).toEqual([]);

    // The account is gone.
    expect((await http("/api/users/211", { userId: 212 })).status).toBe(404);
    expect((await admin("/api/admin/users/211/export")).status).toBe(404);
    expect((await admin("/api/admin/users/211", { method: "DELETE" })).status).toBe(404);
  });

  it("erases the user's uploads, sent and unsent: their downloads answer 404", async () => {
    await users(231, 232);
    const g = await newGroup(231, [232], "Files");
    const uploadOne = async (name: string) => {
      const form = new FormData();
      form.append("file", new Blob(["file bytes"], { type: "text/plain" }), name);
      const token = await suite().server.token(231);
      const res = await fetch(`${suite().server.url}/api/uploads`, {
        method: "POST",
        body: form,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: number }).id;
    };
    const downloadStatus = async (id: number) => {
      const token = await suite().server.token(232);
      const res = await fetch(`${suite().server.url}/api/uploads/${id}`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      return res.status;
    };
    const sentId = await uploadOne("sent.txt");
    const unsentId = await uploadOne("unsent.txt");
    const sent = await http(`/api/conversations/${g.id}/messages`, {
      method: "POST",
      userId: 231,
      json: { content: "see file", attachments: [sentId] },
    });
    expect(sent.status).toBe(201);
    expect(await downloadStatus(sentId)).toBe(200);
    expect((await admin("/api/admin/users/231", { method: "DELETE" })).status).toBe(200);
    expect(await downloadStatus(sentId)).toBe(404);
    const rows = await suite()
      .server.app.store.db.selectFrom("uploads")
      .select("id")
      .where("id", "in", [sentId, unsentId])
      .execute();
    expect(rows).toEqual([]);
  });

  it("erases in batches: a user with more messages than one batch loses them all", async () => {
    await users(221, 222);
    const g = await newGroup(221, [222], "Many");
    const count = 1203;
    // Stored through the socket, as fast as the writer takes them.
    const socket = await suite().connect(221);
    for (let i = 0; i < count; i++)
      socket.send({ type: "send", conversation_id: g.id, content: `bulk ${i}`, client_id: `k${i}` });
    await socket.next((f) => f.type === "ack" && f.client_id === `k${count - 1}`, 30_000);
    const res = await admin("/api/admin/users/221", { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(res.body.messages_deleted).toBe(count);
    const page = await http(`/api/conversations/${g.id}/messages?limit=100`, { userId: 222 });
    expect(page.body.messages.filter((m: any) => m.kind !== "system").every((m: any) => m.deleted === true)).toBe(true);
  }, 60_000);

  it("closes the erased user's sockets with 4003, refuses their tokens, and lets the id be created anew", async () => {
    await users(241, 242);
    const direct = (await http("/api/conversations", { method: "POST", userId: 242, json: { kind: "direct", user_id: 241 } }))
      .body;
    await send(241, direct.id, "before erasure");
    const socket = await suite().connect(241);
    const token = await suite().server.token(241);
    expect((await admin("/api/admin/users/241")).status).toBe(200);
    expect((await admin("/api/admin/users/241", { method: "DELETE" })).status).toBe(200);
    expect(await socket.waitClosed()).toBe(4003);
    const me = await fetch(`${suite().server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(403);
    expect(((await me.json()) as any).error.code).toBe("account_disabled");
    // A fresh token for the id is refused too: the id is never provisioned again from a token.
    expect((await http("/api/me", { userId: 241 })).status).toBe(403);
    expect((await http("/api/users/241", { userId: 242 })).status).toBe(404);
    expect((await admin("/api/admin/users/241")).status).toBe(404);
    expect((await admin("/api/admin/users/241/export")).status).toBe(404);

    // Created anew by the admin API: a new account, with nothing of the old one.
    const again = await admin("/api/admin/users", { method: "POST", json: { id: 241, username: "again241" } });
    expect(again.status).toBe(201);
    expect((await http("/api/me", { userId: 241 })).status).toBe(200);
    const list = await http("/api/conversations", { userId: 241 });
    expect(list.body).toEqual([]);
    const exported = await admin("/api/admin/users/241/export");
    expect(exported.body).toMatchObject({ user: { id: 241, username: "again241" }, conversations: [], messages: [] });
    // The other user's direct conversation with the id is a new one, with both members.
    const fresh = await http("/api/conversations", { method: "POST", userId: 242, json: { kind: "direct", user_id: 241 } });
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe(direct.id);
    expect(fresh.body.members.map((m: any) => m.user_id).sort()).toEqual([241, 242]);
  });
});
