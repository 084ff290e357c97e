import type { ThreadUpdate } from "@chatapp/client";
import { createTestDatabase, eventually, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClient, waitUntil } from "./helpers.js";

/**
 * Replies and threads through the SDK: send() quotes and posts into threads, thread() reads
 * one, and `thread_updated` keeps a root's counters as its replies arrive and go.
 */
describe("ChatClient replies and threads against the server", () => {
  let database: TestDatabase;
  let server: TestServer;
  const [A, B] = [7801, 7802];
  let group: number;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database);
    for (const u of [A, B]) await server.http("/api/me", { userId: u });
    group = (
      await server.http("/api/conversations", {
        method: "POST",
        userId: A,
        json: { kind: "group", title: "sdk", member_ids: [B] },
      })
    ).body.id;
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  it("quotes a message, posts into its thread, lists the thread and follows the root's count", async () => {
    const alice = testClient(server, A);
    const bob = testClient(server, B);
    const updates: ThreadUpdate[] = [];
    alice.client.on("thread_updated", (u) => updates.push(u));
    await alice.client.connect();
    await bob.client.connect();

    const rootAck = await alice.client.send({ conversationId: group }, "where do we meet?");
    await waitUntil(() => (alice.received.get(group) ?? []).some((m) => m.id === rootAck.id));
    const root = (alice.received.get(group) ?? []).find((m) => m.id === rootAck.id);
    if (!root) throw new Error("no root");

    // Bob answers in the thread, quoting the root: Alice gets it with both fields, and the root counts it.
    const replyAck = await bob.client.send({ conversationId: group }, "at the station", {
      replyTo: root,
      threadRootId: root.id,
    });
    // The sender's own copy shows the quote and the thread at once.
    const own = (bob.received.get(group) ?? []).find((m) => m.id === replyAck.id);
    expect(own).toMatchObject({ thread_root_id: root.id, reply_to: { id: root.id, content: "where do we meet?" } });
    await waitUntil(() => updates.length === 1);
    const reply = (alice.received.get(group) ?? []).find((m) => m.id === replyAck.id);
    expect(reply).toMatchObject({ thread_root_id: root.id, reply_to: { id: root.id, sender_id: A } });
    expect(updates[0]).toEqual({ conversation_id: group, root_id: root.id, reply_count: 1, last_reply_at: reply?.timestamp });

    const thread = await alice.client.thread(group, root.id);
    expect(thread.root).toMatchObject({ id: root.id, reply_count: 1 });
    expect(thread.messages.map((m) => m.id)).toEqual([replyAck.id]);
    expect(await alice.client.api.thread(group, root.id, { after: replyAck.seq })).toMatchObject({ messages: [] });

    // Deleted: one reply less.
    await bob.client.api.deleteMessage(replyAck.id);
    await waitUntil(() => updates.length === 2);
    expect(updates[1]).toEqual({ conversation_id: group, root_id: root.id, reply_count: 0 });

    // A refused extra rejects the send with the server's reason.
    const refused = await alice.client.send({ conversationId: group }, "nested", { threadRootId: replyAck.id }).catch((e) => e);
    expect(refused).toMatchObject({ code: "invalid_frame" });
    expect(String(refused.message)).toContain("thread_root_id");
    alice.client.close();
    bob.client.close();
  });

  it("reading history before connecting does not make the conversation resume from its start", async () => {
    // Bob receives Alice's message: his delivered cursor moves past everything so far.
    const first = testClient(server, B);
    await first.client.connect();
    const sent = await server.http(`/api/conversations/${group}/messages`, {
      method: "POST",
      userId: A,
      json: { content: "already here" },
    });
    await waitUntil(() => (first.received.get(group) ?? []).some((m) => m.id === sent.body.id));
    await eventually(
      async () =>
        (await server.http(`/api/conversations/${group}`, { userId: B })).body.members.find(
          (m: { user_id: number }) => m.user_id === B,
        )?.delivered_seq === sent.body.seq,
    );
    first.client.close();
    const again = testClient(server, B);
    const page = await again.client.history(group);
    expect(page.messages.length).toBeGreaterThan(1);
    await again.client.connect();
    const ack = await again.client.send({ conversationId: group }, "after the history");
    await waitUntil(() => (again.received.get(group) ?? []).some((m) => m.id === ack.id));
    // Only what is new since the delivered cursor: not the whole conversation again.
    expect((again.received.get(group) ?? []).map((m) => m.content)).toEqual(["after the history"]);
    again.client.close();
  });
});
