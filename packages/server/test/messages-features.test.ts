import { describeEachDialect, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";

describeEachDialect("editing, deleting, sending and reading over HTTP", (dialect) => {
  const suite = useSuite(dialect);
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);

  async function conversation(a: number, b: number) {
    await http("/api/me", { userId: b });
    const res = await http("/api/conversations", { method: "POST", userId: a, json: { kind: "direct", user_id: b } });
    return res.body.id as number;
  }

  it("sends over HTTP with the same storage, idempotency and delivery as the socket", async () => {
    const id = await conversation(1001, 1002);
    const bob = await suite().connect(1002);
    const aliceDevice = await suite().connect(1001);
    const sent = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 1001,
      json: { content: "by http", client_id: "h1" },
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ content: "by http", seq: 1, sender_id: 1001, receiver_id: 1002, client_id: "h1" });
    await bob.next((f) => f.type === "message" && f.id === sent.body.id);
    // No socket sent it, so all of the sender's devices get it.
    await aliceDevice.next((f) => f.type === "message" && f.id === sent.body.id);
    const again = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 1001,
      json: { content: "by http", client_id: "h1" },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(sent.body.id);
    for (const [json, status] of [
      [{ content: "" }, 400],
      [{ content: "x".repeat(4001) }, 413],
      [{ content: 5 }, 400],
      [{}, 400],
    ] as const) {
      expect((await http(`/api/conversations/${id}/messages`, { method: "POST", userId: 1001, json })).status).toBe(status);
    }
  });

  it("reads over HTTP: the cursor moves forward and the sender gets a receipt", async () => {
    const id = await conversation(1011, 1012);
    const alice = await suite().connect(1011);
    for (let i = 0; i < 3; i++)
      await http(`/api/conversations/${id}/messages`, { method: "POST", userId: 1011, json: { content: `m${i}` } });
    const read = await http(`/api/conversations/${id}/read`, { method: "POST", userId: 1012, json: { seq: 99 } });
    expect(read).toEqual({ status: 200, body: { conversation_id: id, read_seq: 3 } });
    await alice.next((f) => f.type === "receipt" && f.user_id === 1012 && f.read_seq === 3);
    expect((await http(`/api/conversations/${id}/read`, { method: "POST", userId: 1012, json: { seq: -1 } })).status).toBe(400);
  });

  it("edits one's own message: members get message_updated, history shows the edit time", async () => {
    const id = await conversation(1021, 1022);
    const bob = await suite().connect(1022);
    const sent = await http(`/api/conversations/${id}/messages`, { method: "POST", userId: 1021, json: { content: "typo" } });
    const edited = await http(`/api/messages/${sent.body.id}`, { method: "PATCH", userId: 1021, json: { content: "fixed" } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id: sent.body.id, seq: sent.body.seq, content: "fixed", edited_at: expect.any(String) });
    const frame = await bob.next((f) => f.type === "message_updated");
    expect(frame).toMatchObject({ id: sent.body.id, content: "fixed", conversation_id: id });
    const page = await http(`/api/conversations/${id}/messages`, { userId: 1022 });
    expect(page.body.messages[0]).toMatchObject({ content: "fixed", edited_at: edited.body.edited_at });
    expect(
      (await http(`/api/messages/${sent.body.id}`, { method: "PATCH", userId: 1022, json: { content: "mine now" } })).status,
    ).toBe(403);
    expect(
      (await http(`/api/messages/${sent.body.id}`, { method: "PATCH", userId: 1029, json: { content: "who?" } })).status,
    ).toBe(404);
    expect((await http(`/api/messages/${sent.body.id}`, { method: "PATCH", userId: 1021, json: { content: " " } })).status).toBe(
      400,
    );
  });

  it("deletes one's own message: it keeps its seq, its content is gone, members are told", async () => {
    const id = await conversation(1031, 1032);
    const bob = await suite().connect(1032);
    const one = await http(`/api/conversations/${id}/messages`, { method: "POST", userId: 1031, json: { content: "secret" } });
    await http(`/api/conversations/${id}/messages`, { method: "POST", userId: 1031, json: { content: "after" } });
    expect((await http(`/api/messages/${one.body.id}`, { method: "DELETE", userId: 1032 })).status).toBe(403);
    const del = await http(`/api/messages/${one.body.id}`, { method: "DELETE", userId: 1031 });
    expect(del.body).toMatchObject({ id: one.body.id, seq: 1, content: "", deleted: true });
    expect(await bob.next((f) => f.type === "message_deleted")).toEqual({
      type: "message_deleted",
      id: one.body.id,
      conversation_id: id,
      seq: 1,
    });
    const page = await http(`/api/conversations/${id}/messages`, { userId: 1032 });
    expect(page.body.messages.map((m: any) => [m.seq, m.content, m.deleted ?? false])).toEqual([
      [1, "", true],
      [2, "after", false],
    ]);
    expect((await http(`/api/messages/${one.body.id}`, { method: "DELETE", userId: 1031 })).status).toBe(200);
    expect(
      (await http(`/api/messages/${one.body.id}`, { method: "PATCH", userId: 1031, json: { content: "back" } })).status,
    ).toBe(409);
    // Unread counts skip deleted messages.
    const list = await http("/api/conversations", { userId: 1032 });
    expect(list.body.find((c: any) => c.id === id).unread_count).toBe(1);
  });

  it("refuses to edit a system message", async () => {
    await http("/api/me", { userId: 1042 });
    const g = await http("/api/conversations", {
      method: "POST",
      userId: 1041,
      json: { kind: "group", title: "G", member_ids: [1042] },
    });
    const page = await http(`/api/conversations/${g.body.id}/messages`, { userId: 1041 });
    const system = page.body.messages[0];
    expect(system.kind).toBe("system");
    expect((await http(`/api/messages/${system.id}`, { method: "PATCH", userId: 1041, json: { content: "x" } })).status).toBe(
      403,
    );
  });
});

describeEachDialect("search and the user directory", (dialect) => {
  const suite = useSuite(dialect);
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const search = async (userId: number, q: string, extra = "") =>
    (await http(`/api/search?q=${encodeURIComponent(q)}${extra}`, { userId })).body;

  it("finds messages in the caller's conversations only, ranked, paged, and kept in step with edits and deletes", async () => {
    for (const id of [1102, 1103]) await http("/api/me", { userId: id });
    const mine = (await http("/api/conversations", { method: "POST", userId: 1101, json: { kind: "direct", user_id: 1102 } }))
      .body.id;
    const theirs = (await http("/api/conversations", { method: "POST", userId: 1102, json: { kind: "direct", user_id: 1103 } }))
      .body.id;
    const post = (userId: number, id: number, content: string) =>
      http(`/api/conversations/${id}/messages`, { method: "POST", userId, json: { content } });
    await post(1101, mine, "the kangaroo jumped over the fence");
    await post(1102, mine, "kangaroo kangaroo kangaroo everywhere");
    await post(1101, mine, "nothing to see here");
    const hidden = await post(1102, theirs, "a secret kangaroo plan");

    const found = await search(1101, "kangaroo");
    expect(found.messages.map((m: any) => m.content).sort()).toEqual([
      "kangaroo kangaroo kangaroo everywhere",
      "the kangaroo jumped over the fence",
    ]);
    expect(found.messages.map((m: any) => m.id)).not.toContain(hidden.body.id);
    expect((await search(1101, "kanga")).messages).toHaveLength(2); // prefixes match
    expect((await search(1101, "kangaroo fence")).messages.map((m: any) => m.content)).toEqual([
      "the kangaroo jumped over the fence",
    ]);
    const page1 = await search(1101, "kangaroo", "&limit=1");
    const page2 = await search(1101, "kangaroo", "&limit=1&offset=1");
    expect(page1.has_more).toBe(true);
    expect(page2.has_more).toBe(false);
    expect(page1.messages[0].id).not.toBe(page2.messages[0].id);

    const fence = found.messages.find((m: any) => m.content.includes("fence"));
    await http(`/api/messages/${fence.id}`, { method: "PATCH", userId: 1101, json: { content: "the wallaby jumped" } });
    expect((await search(1101, "fence")).messages).toHaveLength(0);
    expect((await search(1101, "wallaby")).messages.map((m: any) => m.id)).toEqual([fence.id]);
    await http(`/api/messages/${fence.id}`, { method: "DELETE", userId: 1101 });
    expect((await search(1101, "wallaby")).messages).toHaveLength(0);
  });

  it("treats query syntax as plain words and refuses empty queries", async () => {
    for (const q of ['"', "*", "kangaroo*", "a:b", "AND OR NOT", "(((", "+-~<>", "'; drop table messages; --", "ü"]) {
      const res = await http(`/api/search?q=${encodeURIComponent(q)}`, { userId: 1101 });
      expect(res.status, q).toBe(200);
      expect(Array.isArray(res.body.messages)).toBe(true);
    }
    expect((await http("/api/search?q=", { userId: 1101 })).status).toBe(400);
    expect((await http("/api/search", { userId: 1101 })).status).toBe(400);
  });

  it("finds users by username or display name, ignoring case, paged", async () => {
    for (const [username, display_name] of [
      ["alice_dir", "Alice Liddell"],
      ["alicia_dir", "Alicia Keys"],
      ["bob_dir", "Bobby Tables"],
      ["percent_dir", "100% Real"],
    ]) {
      await http("/api/auth/register", { method: "POST", json: { username, password: "password1", display_name } });
    }
    const names = async (q: string, extra = "") =>
      (await http(`/api/users?query=${encodeURIComponent(q)}${extra}`, { userId: 1101 })).body.map((u: any) => u.username);
    expect(await names("ALI")).toEqual(["alice_dir", "alicia_dir"]);
    expect(await names("tables")).toEqual(["bob_dir"]);
    expect(await names("%")).toEqual(["percent_dir"]);
    expect(await names("_dir", "&limit=2")).toEqual(["alice_dir", "alicia_dir"]);
    expect(await names("_dir", "&limit=2&offset=2")).toEqual(["bob_dir", "percent_dir"]);
    expect((await http("/api/users?query=", { userId: 1101 })).status).toBe(400);
  });

  it("names one user by id, and answers 404 for an id never seen", async () => {
    const { body: registered } = await http("/api/auth/register", {
      method: "POST",
      json: { username: "carol_dir", password: "password1", display_name: "Carol Dir" },
    });
    const one = await http(`/api/users/${registered.user.id}`, { userId: 1101 });
    expect(one).toEqual({
      status: 200,
      body: { id: registered.user.id, username: "carol_dir", display_name: "Carol Dir", bot: false },
    });
    // A user known only from a token has no names.
    expect((await http("/api/users/1101", { userId: 1101 })).body).toEqual({
      id: 1101,
      username: null,
      display_name: null,
      bot: false,
    });
    expect((await http("/api/users/987654321", { userId: 1101 })).status).toBe(404);
    expect((await http("/api/users/abc", { userId: 1101 })).status).toBe(400);
    expect((await http(`/api/users/${registered.user.id}`)).status).toBe(401);
  });
});
