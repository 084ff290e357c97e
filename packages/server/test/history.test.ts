import { describeEachDialect, type TestSocket, useSuite } from "@chatapp/testkit";
import { beforeAll, expect, it } from "vitest";

describeEachDialect("history", (dialect) => {
  const suite = useSuite(dialect);
  let alice: TestSocket;
  let conversationId: number;
  const A = 201;
  const B = 202;
  const C = 203;

  beforeAll(async () => {
    alice = await suite().connect(A);
    await suite().server.http("/api/me", { userId: B });
    await suite().server.http("/api/me", { userId: C });
    // 30 messages alice -> bob, then 5 alice -> carol.
    for (let i = 1; i <= 30; i++) alice.send({ type: "send", receiver_id: B, content: `ab${i}`, client_id: `ab${i}` });
    for (let i = 1; i <= 5; i++) alice.send({ type: "send", receiver_id: C, content: `ac${i}`, client_id: `ac${i}` });
    const acks = await alice.waitForCount("ack", 35);
    conversationId = acks[0]?.conversation_id;
  });

  it("(seed) returns the direct conversation newest first in the seed shape", async () => {
    const res = await suite().server.http(`/api/messages/history?user_id=${B}&limit=10`, { userId: A });
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body.map((m: any) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => `ab${30 - i}`));
    for (const m of res.body) {
      expect(Object.keys(m)).toEqual(
        expect.arrayContaining(["id", "sender_id", "receiver_id", "content", "timestamp", "status"]),
      );
      expect(m).toMatchObject({ sender_id: A, receiver_id: B });
    }
  });

  it("(seed) pages back with before=<id>", async () => {
    const first = await suite().server.http(`/api/messages/history?user_id=${B}&limit=10`, { userId: A });
    const oldest = first.body.at(-1).id;
    const next = await suite().server.http(`/api/messages/history?user_id=${B}&limit=10&before=${oldest}`, { userId: A });
    expect(next.body.map((m: any) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => `ab${20 - i}`));
    const last = await suite().server.http(`/api/messages/history?user_id=${B}&limit=1000&before=${next.body.at(-1).id}`, {
      userId: A,
    });
    expect(last.body).toHaveLength(10);
  });

  it("(seed) defaults to 50 and accepts 1 and 1000", async () => {
    const all = await suite().server.http(`/api/messages/history?user_id=${B}`, { userId: A });
    expect(all.body).toHaveLength(30);
    expect((await suite().server.http(`/api/messages/history?user_id=${B}&limit=1`, { userId: A })).body).toHaveLength(1);
    expect((await suite().server.http(`/api/messages/history?user_id=${B}&limit=1000`, { userId: A })).status).toBe(200);
  });

  it("(seed) answers 400 with the error body on bad parameters", async () => {
    for (const q of [
      "user_id=abc",
      "user_id=-1",
      "user_id=0",
      "limit=0",
      "limit=1001",
      "limit=x",
      "limit=2.5",
      "before=abc",
      "before=0",
    ]) {
      const res = await suite().server.http(`/api/messages/history?${q}`, { userId: A });
      expect(res.status, q).toBe(400);
      expect(res.body.error.code, q).toBe("invalid_request");
      expect(typeof res.body.error.message).toBe("string");
    }
  });

  it("(seed) without user_id returns the caller's latest messages across direct conversations", async () => {
    const res = await suite().server.http("/api/messages/history?limit=7", { userId: A });
    expect(res.body.map((m: any) => m.content)).toEqual(["ac5", "ac4", "ac3", "ac2", "ac1", "ab30", "ab29"]);
  });

  it("(seed) with a user one has never talked to returns an empty list", async () => {
    const res = await suite().server.http(`/api/messages/history?user_id=${C}`, { userId: B });
    expect(res).toEqual({ status: 200, body: [] });
  });

  it("(seed) reading the history marks the other user's messages read, and the sender sees it", async () => {
    const before = await suite().server.http(`/api/messages/history?user_id=${B}&limit=1`, { userId: A });
    expect(before.body[0].status).not.toBe("read");
    await suite().server.http(`/api/messages/history?user_id=${A}&limit=5`, { userId: B });
    await alice.next((f) => f.type === "receipt" && f.user_id === B && f.read_seq === 30);
    const after = await suite().server.http(`/api/messages/history?user_id=${B}&limit=30`, { userId: A });
    expect(after.body.every((m: any) => m.status === "read")).toBe(true);
  });

  it("pages a conversation by seq with before_seq, after_seq and limit", async () => {
    const path = `/api/conversations/${conversationId}/messages`;
    const latest = await suite().server.http(`${path}?limit=5`, { userId: A });
    expect(latest.body.messages.map((m: any) => m.seq)).toEqual([26, 27, 28, 29, 30]);
    expect(latest.body.has_more).toBe(true);
    const before = await suite().server.http(`${path}?before_seq=26&limit=5`, { userId: B });
    expect(before.body.messages.map((m: any) => m.seq)).toEqual([21, 22, 23, 24, 25]);
    const after = await suite().server.http(`${path}?after_seq=28`, { userId: B });
    expect(after.body.messages.map((m: any) => m.seq)).toEqual([29, 30]);
    expect(after.body.has_more).toBe(false);
    const exact = await suite().server.http(`${path}?after_seq=0&limit=30`, { userId: B });
    expect(exact.body.messages.map((m: any) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(exact.body.has_more).toBe(false);
    for (const q of ["limit=0", "limit=1001", "after_seq=-1", "before_seq=0", "before_seq=5&after_seq=1"]) {
      const bad = await suite().server.http(`${path}?${q}`, { userId: A });
      expect(bad.status, q).toBe(400);
    }
  });

  it("answers 404 to a non-member, the same as for a conversation that does not exist", async () => {
    const intruder = await suite().server.http(`/api/conversations/${conversationId}/messages`, { userId: C });
    const missing = await suite().server.http("/api/conversations/987654/messages", { userId: C });
    expect(intruder.status).toBe(404);
    expect(intruder.body).toEqual(missing.body);
    expect(intruder.body.error.code).toBe("not_found");
  });

  it("lists the caller's conversations with last message, cursors and unread counts", async () => {
    const res = await suite().server.http("/api/conversations", { userId: A });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    const [latest, older] = res.body;
    expect(latest).toMatchObject({ kind: "direct", last_seq: 5, unread_count: 0, title: null });
    expect(latest.last_message).toMatchObject({ content: "ac5", sender_id: A, receiver_id: C });
    expect(latest.members.map((m: any) => m.user_id).sort()).toEqual([A, C]);
    expect(latest.members.find((m: any) => m.user_id === A).status).toBe("online");
    expect(older).toMatchObject({ id: conversationId, last_seq: 30 });
    const carol = await suite().server.http("/api/conversations", { userId: C });
    expect(carol.body[0]).toMatchObject({ unread_count: 5, read_seq: 0 });
  });
});
