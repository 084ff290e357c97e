import type { ThreadUpdate } from "@chatapp/client";
import { createTestDatabase, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
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
});
