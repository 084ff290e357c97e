import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTestDatabase,
  describeEachDialect,
  describeWithRedis,
  eventually,
  REDIS_URL,
  startServer,
  type TestDatabase,
  type TestServer,
  useSuite,
} from "@chatapp/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";

/**
 * Replies (contract §5) and threads (§6): what a send may quote or reply in is checked in the
 * writer's transaction and refused whole; quotes show in frames as at sending and over HTTP as
 * they are now; thread replies take conversation seqs, count on their root, are listed with
 * `?thread=` and do not count as unread in the conversation.
 */
describeEachDialect("replies and threads", (dialect) => {
  const suite = useSuite(dialect);
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const [A, B, C, D] = [7001, 7002, 7003, 7004];
  let group: number;
  let other: number;

  const send = async (conversationId: number, userId: number, json: Record<string, unknown>) =>
    http(`/api/conversations/${conversationId}/messages`, { method: "POST", userId, json });
  const sent = async (conversationId: number, userId: number, json: Record<string, unknown>) => {
    const res = await send(conversationId, userId, json);
    expect(res.status).toBe(201);
    return res.body;
  };
  const page = async (conversationId: number, userId: number, query = "") =>
    http(`/api/conversations/${conversationId}/messages${query}`, { userId });
  const lastSeq = async (conversationId: number) =>
    (await http(`/api/conversations/${conversationId}`, { userId: A })).body.last_seq as number;
  const entry = async (conversationId: number, userId: number) =>
    (await http(`/api/conversations/${conversationId}`, { userId })).body;

  beforeAll(async () => {
    for (const u of [A, B, C, D]) await http("/api/me", { userId: u });
    const made = await http("/api/conversations", {
      method: "POST",
      userId: A,
      json: { kind: "group", title: "threads", member_ids: [B, C] },
    });
    group = made.body.id;
    other = (await http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: D } })).body.id;
  });

  it("(R) a reply carries the quote: as at sending in the frame, as it is now over HTTP, cut to 200 characters", async () => {
    const long = "🙂".repeat(150) + "x".repeat(100);
    const original = await sent(group, B, { content: long });
    const bob = await suite().connect(B);
    const alice = await suite().connect(A);
    alice.send({ type: "send", conversation_id: group, content: "agreed", client_id: "q-1", reply_to: original.id });
    const ack = await alice.nextOfType("ack");
    const frame = await bob.next((f) => f.type === "message" && f.id === ack.id);
    const quote = { id: original.id, seq: original.seq, sender_id: B, content: [...long].slice(0, 200).join("") };
    expect(frame.reply_to).toEqual(quote);
    expect([...frame.reply_to.content]).toHaveLength(200);
    // HTTP: the same, then the edited text, then no text at all once deleted.
    const listed = async () => (await page(group, C)).body.messages.find((m: any) => m.id === ack.id);
    expect((await listed()).reply_to).toEqual(quote);
    const edited = await http(`/api/messages/${original.id}`, { method: "PATCH", userId: B, json: { content: "the plan?" } });
    expect(edited.status).toBe(200);
    expect((await listed()).reply_to).toEqual({ ...quote, content: "the plan?" });
    expect((await http(`/api/messages/${original.id}`, { method: "DELETE", userId: B })).status).toBe(200);
    expect((await listed()).reply_to).toEqual({ id: original.id, seq: original.seq, sender_id: B, content: "", deleted: true });
    const found = await http("/api/search?q=agreed", { userId: C });
    expect(found.body.messages.find((m: any) => m.id === ack.id).reply_to).toMatchObject({ deleted: true, content: "" });
    await alice.close();
    await bob.close();
  });

  it("(R) the HTTP send answers the quote; messages without one carry no reply_to, thread_root_id or reply_count", async () => {
    const original = await sent(group, C, { content: "quote me" });
    const reply = await sent(group, A, { content: "quoted", reply_to: original.id });
    expect(reply.reply_to).toEqual({ id: original.id, seq: original.seq, sender_id: C, content: "quote me" });
    expect(original).not.toHaveProperty("reply_to");
    expect(original).not.toHaveProperty("thread_root_id");
    expect(original).not.toHaveProperty("reply_count");
    expect(original).not.toHaveProperty("last_reply_at");
    // A system message may be quoted too (any kind), and so may a thread reply.
    const system = (await page(group, A, "?after_seq=0&limit=1")).body.messages[0];
    expect(system.kind).toBe("system");
    expect((await send(group, A, { content: "about that", reply_to: system.id })).status).toBe(201);
  });

  it("(R) a reply to another conversation's message, or to none, is refused whole: HTTP 400 and socket invalid_frame", async () => {
    const elsewhere = await sent(other, A, { content: "not in the group" });
    const before = await lastSeq(group);
    for (const reply_to of [elsewhere.id, 999_999_999]) {
      const res = await send(group, A, { content: "nope", client_id: `bad-${reply_to}`, reply_to });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.message).toContain("reply_to");
    }
    const alice = await suite().connect(A);
    alice.send({ type: "send", conversation_id: group, content: "nope", client_id: "bad-ws", reply_to: elsewhere.id });
    const error = await alice.nextOfType("error");
    expect(error).toMatchObject({ code: "invalid_frame", client_id: "bad-ws" });
    expect(error.message).toContain("reply_to");
    // Not even an id: named too.
    alice.send({ type: "send", conversation_id: group, content: "nope", client_id: "bad-shape", reply_to: "one" });
    const shape = await alice.nextOfType("error");
    expect(shape).toMatchObject({ code: "invalid_frame", client_id: "bad-shape" });
    expect(shape.message).toContain("reply_to");
    const httpShape = await send(group, A, { content: "nope", thread_root_id: 0 });
    expect(httpShape.status).toBe(400);
    expect(httpShape.body.error.message).toContain("thread_root_id");
    expect(await lastSeq(group)).toBe(before);
    // The client_id was not used up: the same id sends fine once the extra is right.
    alice.send({ type: "send", conversation_id: group, content: "fine", client_id: "bad-ws" });
    expect((await alice.nextOfType("ack")).seq).toBe(before + 1);
    await alice.close();
  });

  it("(R) a repeated client_id answers the stored message and ignores the repeat's extras", async () => {
    const first = await sent(group, A, { content: "once", client_id: "rep-1" });
    const root = await sent(group, B, { content: "a root" });
    const again = await send(group, A, { content: "once", client_id: "rep-1", reply_to: root.id, thread_root_id: root.id });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.id);
    expect(again.body).not.toHaveProperty("reply_to");
    expect(again.body).not.toHaveProperty("thread_root_id");
    // Even an extra that would be refused: the repeat is answered, not checked.
    const bad = await send(group, A, { content: "once", client_id: "rep-1", reply_to: 999_999_999 });
    expect(bad.status).toBe(200);
    expect(bad.body.id).toBe(first.id);
    expect((await page(group, A, `?thread=${root.id}`)).body.messages).toEqual([]);
    // A repeat of a reply answers its quote.
    const quoting = await sent(group, A, { content: "quoting", client_id: "rep-2", reply_to: root.id });
    const repeat = await send(group, A, { content: "quoting", client_id: "rep-2", reply_to: root.id });
    expect(repeat.status).toBe(200);
    expect(repeat.body.reply_to).toEqual(quoting.reply_to);
  });

  it("(R) a thread reply takes the next seq and reaches every member as a message with thread_root_id; the root counts it", async () => {
    const root = await sent(group, A, { content: "thread root" });
    const [alice, bob, carol] = [await suite().connect(A), await suite().connect(B), await suite().connect(C)];
    const seq = await lastSeq(group);
    bob.send({ type: "send", conversation_id: group, content: "in the thread", client_id: "t-1", thread_root_id: root.id });
    const ack = await bob.nextOfType("ack");
    expect(ack.seq).toBe(seq + 1);
    for (const socket of [alice, carol]) {
      const frame = await socket.next((f) => f.type === "message" && f.id === ack.id);
      expect(frame).toMatchObject({ thread_root_id: root.id, seq: seq + 1, content: "in the thread" });
    }
    // No frame about the root: the next frame Alice gets is Carol's message.
    const mark = alice.frames.length;
    const next = await sent(group, C, { content: "in the thread too", thread_root_id: root.id });
    const after = await alice.next((f) => f.type === "message", 5000, mark);
    expect(after.id).toBe(next.id);
    const listed = (await page(group, B)).body.messages.find((m: any) => m.id === root.id);
    expect(listed.reply_count).toBe(2);
    expect(listed.last_reply_at).toBe(next.timestamp);
    expect(listed).not.toHaveProperty("thread_root_id");
    for (const s of [alice, bob, carol]) await s.close();
  });

  it("(R) a thread root must be a top-level user message of the conversation", async () => {
    const root = await sent(group, A, { content: "root for refusals" });
    const reply = await sent(group, B, { content: "a reply", thread_root_id: root.id });
    const system = (await page(group, A, "?after_seq=0&limit=1")).body.messages[0];
    const elsewhere = await sent(other, A, { content: "direct root" });
    const before = await lastSeq(group);
    const alice = await suite().connect(A);
    for (const [i, thread_root_id] of [reply.id, system.id, elsewhere.id, 999_999_999].entries()) {
      const res = await send(group, A, { content: "refused", thread_root_id });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "invalid_request" });
      expect(res.body.error.message).toContain("thread_root_id");
      alice.send({ type: "send", conversation_id: group, content: "refused", client_id: `root-${i}`, thread_root_id });
      expect(await alice.next((f) => f.type === "error" && f.client_id === `root-${i}`)).toMatchObject({ code: "invalid_frame" });
    }
    expect(await lastSeq(group)).toBe(before);
    expect((await page(group, A)).body.messages.find((m: any) => m.id === root.id).reply_count).toBe(1);
    await alice.close();
  });

  it("(R) thread replies do not count as unread; top-level messages still do", async () => {
    const root = await sent(group, A, { content: "unread root" });
    const seq = root.seq;
    expect((await http(`/api/conversations/${group}/read`, { method: "POST", userId: C, json: { seq } })).status).toBe(200);
    // Cursor writes are batched: the read lands shortly after its answer.
    await eventually(async () => (await entry(group, C)).unread_count === 0, 5000, "the read cursor written");
    await sent(group, A, { content: "reply one", thread_root_id: root.id });
    await sent(group, B, { content: "reply two", thread_root_id: root.id });
    expect((await entry(group, C)).unread_count).toBe(0);
    await sent(group, B, { content: "top level" });
    expect((await entry(group, C)).unread_count).toBe(1);
    const list = await http("/api/conversations", { userId: C });
    expect(list.body.find((c: any) => c.id === group).unread_count).toBe(1);
  });

  it("(R) ?thread= lists the replies in seq order without the root, paged by after_seq, before_seq and limit", async () => {
    const root = await sent(group, B, { content: "listed root" });
    const replies = [];
    for (let i = 0; i < 5; i++) {
      replies.push(await sent(group, i % 2 ? A : C, { content: `listed reply ${i}`, thread_root_id: root.id }));
      await sent(group, A, { content: `between ${i}` });
    }
    const all = await page(group, A, `?thread=${root.id}`);
    expect(all.status).toBe(200);
    expect(all.body.root).toMatchObject({ id: root.id, content: "listed root", reply_count: 5 });
    expect(all.body.root.last_reply_at).toBe(replies[4].timestamp);
    expect(all.body.messages.map((m: any) => m.id)).toEqual(replies.map((r) => r.id));
    expect(all.body.has_more).toBe(false);
    const first = await page(group, A, `?thread=${root.id}&after_seq=0&limit=2`);
    expect(first.body.messages.map((m: any) => m.id)).toEqual([replies[0].id, replies[1].id]);
    expect(first.body.has_more).toBe(true);
    const next = await page(group, A, `?thread=${root.id}&after_seq=${replies[1].seq}&limit=2`);
    expect(next.body.messages.map((m: any) => m.id)).toEqual([replies[2].id, replies[3].id]);
    const last = await page(group, A, `?thread=${root.id}&limit=2`);
    expect(last.body.messages.map((m: any) => m.id)).toEqual([replies[3].id, replies[4].id]);
    expect(last.body.has_more).toBe(true);
    const older = await page(group, A, `?thread=${root.id}&before_seq=${replies[3].seq}&limit=10`);
    expect(older.body.messages.map((m: any) => m.id)).toEqual(replies.slice(0, 3).map((r) => r.id));
    expect(older.body.has_more).toBe(false);
    // The whole conversation lists them too; top_level=true leaves them out.
    const everything = (await page(group, A, `?after_seq=${root.seq - 1}&limit=100`)).body.messages.map((m: any) => m.id);
    expect(everything).toEqual(expect.arrayContaining(replies.map((r) => r.id)));
    const top = (await page(group, A, `?after_seq=${root.seq - 1}&limit=100&top_level=true`)).body.messages;
    expect(top.map((m: any) => m.id)).toContain(root.id);
    expect(top.filter((m: any) => m.thread_root_id !== undefined)).toEqual([]);
    expect(top).toHaveLength(6);
  });

  it("(R) ?thread= is 404 for a root that is not a top-level message of this conversation, and for non-members", async () => {
    const root = await sent(group, B, { content: "guarded root" });
    const reply = await sent(group, C, { content: "guarded reply", thread_root_id: root.id });
    const elsewhere = await sent(other, A, { content: "other root" });
    for (const id of [reply.id, elsewhere.id, 999_999_999]) {
      const res = await page(group, A, `?thread=${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    const stranger = await page(group, D, `?thread=${root.id}`);
    expect(stranger.status).toBe(404);
    // A root with no reply yet is a thread with nothing in it.
    const lonely = await sent(group, A, { content: "no replies yet" });
    expect((await page(group, B, `?thread=${lonely.id}`)).body).toMatchObject({ root: { id: lonely.id }, messages: [] });
    expect((await page(group, B, `?thread=${lonely.id}`)).body.root).not.toHaveProperty("reply_count");
  });

  it("deleting a reply takes it off its root's count and last_reply_at; deleting the last leaves neither", async () => {
    const root = await sent(group, A, { content: "counted root" });
    const one = await sent(group, B, { content: "first", thread_root_id: root.id });
    const two = await sent(group, C, { content: "second", thread_root_id: root.id });
    const rootNow = async () => (await page(group, A, `?thread=${root.id}`)).body.root;
    expect(await rootNow()).toMatchObject({ reply_count: 2, last_reply_at: two.timestamp });
    expect((await http(`/api/messages/${two.id}`, { method: "DELETE", userId: C })).status).toBe(200);
    expect(await rootNow()).toMatchObject({ reply_count: 1, last_reply_at: one.timestamp });
    // A repeated delete changes nothing.
    expect((await http(`/api/messages/${two.id}`, { method: "DELETE", userId: C })).status).toBe(200);
    expect((await rootNow()).reply_count).toBe(1);
    expect((await http(`/api/messages/${one.id}`, { method: "DELETE", userId: B })).status).toBe(200);
    const bare = await rootNow();
    expect(bare).not.toHaveProperty("reply_count");
    expect(bare).not.toHaveProperty("last_reply_at");
    // The deleted replies keep their place in the thread, as deleted messages do.
    const listed = (await page(group, A, `?thread=${root.id}`)).body.messages;
    expect(listed.map((m: any) => [m.id, m.deleted, m.thread_root_id])).toEqual([
      [one.id, true, root.id],
      [two.id, true, root.id],
    ]);
    // A deleted root takes no new replies, and a deleted message cannot be quoted.
    expect((await http(`/api/messages/${root.id}`, { method: "DELETE", userId: A })).status).toBe(200);
    expect((await send(group, B, { content: "late", thread_root_id: root.id })).status).toBe(400);
    expect((await send(group, B, { content: "late", reply_to: root.id })).status).toBe(400);
  });

  it("replies deleted at once leave their root's count and last_reply_at right", async () => {
    const root = await sent(group, A, { content: "root of a race" });
    const replies = [];
    for (let i = 0; i < 16; i++)
      replies.push(await sent(group, [A, B, C][i % 3] as number, { content: `r${i}`, thread_root_id: root.id }));
    const rootNow = async () => (await page(group, A, `?thread=${root.id}`)).body.root;
    const deleteAll = (some: any[]) =>
      Promise.all(some.map((r) => http(`/api/messages/${r.id}`, { method: "DELETE", userId: r.sender_id })));
    // The newest twelve at once: the fourth reply is the newest left.
    for (const res of await deleteAll(replies.slice(4))) expect(res.status).toBe(200);
    expect(await rootNow()).toMatchObject({ reply_count: 4, last_reply_at: replies[3].timestamp });
    for (const res of await deleteAll(replies.slice(0, 4))) expect(res.status).toBe(200);
    const bare = await rootNow();
    expect(bare).not.toHaveProperty("reply_count");
    expect(bare).not.toHaveProperty("last_reply_at");
  });

  it("thread replies are in the offline backlog, in after_seq resume and in search", async () => {
    const root = await sent(group, A, { content: "resumable root" });
    const reply = await sent(group, A, { content: "xylophonic thread reply", thread_root_id: root.id });
    const carol = await suite().connect(C);
    const backlog = await carol.next((f) => f.type === "message" && f.id === reply.id);
    expect(backlog.thread_root_id).toBe(root.id);
    const resumed = (await page(group, C, `?after_seq=${root.seq}`)).body.messages;
    expect(resumed[0]).toMatchObject({ id: reply.id, thread_root_id: root.id });
    const found = await http("/api/search?q=xylophonic", { userId: B });
    expect(found.body.messages[0]).toMatchObject({ id: reply.id, thread_root_id: root.id });
    await carol.close();
  });
});

describeWithRedis("thread replies across two nodes", () => {
  describeEachDialect(
    "two nodes",
    (dialect) => {
      const [A, B] = [7501, 7502];
      const dir = mkdtempSync(join(tmpdir(), "chatapp-threads-"));
      let database: TestDatabase;
      let one: TestServer;
      let two: TestServer;
      beforeAll(async () => {
        database = await createTestDatabase(dialect);
        // DATABASE_URL only passes the config check (a cluster needs a shared database): the
        // test database replaces it.
        const env = { REDIS_URL, UPLOAD_DIR: dir, DATABASE_URL: "postgres://u@127.0.0.1/x" };
        one = await startServer(database, { env });
        two = await startServer(database, { env });
      });
      afterAll(async () => {
        await one?.stop();
        await two?.stop();
        await database?.drop();
        rmSync(dir, { recursive: true, force: true });
      });

      it("(R) a thread reply sent on one node reaches a member on the other with thread_root_id", async () => {
        for (const u of [A, B]) await one.http("/api/me", { userId: u });
        const group = (
          await one.http("/api/conversations", {
            method: "POST",
            userId: A,
            json: { kind: "group", title: "nodes", member_ids: [B] },
          })
        ).body.id;
        const root = (
          await one.http(`/api/conversations/${group}/messages`, { method: "POST", userId: A, json: { content: "root" } })
        ).body;
        const bob = await two.connect(B);
        const alice = await one.connect(A);
        alice.send({
          type: "send",
          conversation_id: group,
          content: "across",
          client_id: "n-1",
          thread_root_id: root.id,
          reply_to: root.id,
        });
        const ack = await alice.nextOfType("ack");
        const frame = await bob.next((f) => f.type === "message" && f.id === ack.id);
        expect(frame).toMatchObject({
          thread_root_id: root.id,
          reply_to: { id: root.id, seq: root.seq, sender_id: A, content: "root" },
        });
        const thread = await two.http(`/api/conversations/${group}/messages?thread=${root.id}`, { userId: B });
        expect(thread.body.root.reply_count).toBe(1);
        expect(thread.body.messages.map((m: any) => m.id)).toEqual([ack.id]);
        await alice.close();
        await bob.close();
      });
    },
    { only: ["mysql", "postgres"] },
  );
});
