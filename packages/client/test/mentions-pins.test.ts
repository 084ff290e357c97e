import type { PinnedFrame, UnpinnedFrame } from "@chatapp/protocol";
import { eventually, useSuite } from "@chatapp/testkit";
import { describe, expect, it } from "vitest";
import { testClient, waitUntil } from "./helpers.js";

describe("ChatClient: mentions and pins against the server", () => {
  const suite = useSuite("sqlite");
  const [A, B] = [8501, 8502];

  it("sends mentions, keeps the unread-mention count, and clears it on markRead", async () => {
    const { server } = suite();
    for (const u of [A, B]) await server.http("/api/me", { userId: u });
    const group = (
      await server.http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "g", member_ids: [B] } })
    ).body.id as number;
    await server.http(`/api/conversations/${group}/messages`, {
      method: "POST",
      userId: A,
      json: { content: "before", mentions: [B] },
    });
    const alice = testClient(server, A);
    const bob = testClient(server, B);
    const counts: number[] = [];
    bob.client.on("mention_count", (e) => {
      if (e.conversation_id === group) counts.push(e.mention_count);
    });
    await alice.client.connect();
    await bob.client.connect();
    // The ready frame's count.
    expect(bob.client.mentionCount(group)).toBe(1);
    await alice.client.send({ conversationId: group }, "and now", { mentions: [B] });
    await waitUntil(() => bob.client.mentionCount(group) === 2);
    const last = bob.received.get(group)?.at(-1);
    expect(last?.mentions).toEqual([B]);
    bob.client.markRead(group, last?.seq as number);
    expect(bob.client.mentionCount(group)).toBe(0);
    expect(counts).toEqual([1, 2, 0]);
    await eventually(async () => (await bob.client.api.conversation(group)).mention_count === 0);
    alice.client.close();
    bob.client.close();
  });

  it("pins and unpins, with pinned and unpinned events", async () => {
    const { server } = suite();
    const direct = (await server.http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: B } }))
      .body.id as number;
    const alice = testClient(server, A);
    const bob = testClient(server, B);
    const pinned: PinnedFrame[] = [];
    const unpinned: UnpinnedFrame[] = [];
    bob.client.on("pinned", (f) => pinned.push(f));
    bob.client.on("unpinned", (f) => unpinned.push(f));
    await alice.client.connect();
    await bob.client.connect();
    const ack = await alice.client.send({ conversationId: direct }, "pin this");
    const pin = await alice.client.pin(direct, ack.id);
    expect(pin).toMatchObject({ message_id: ack.id, conversation_id: direct, pinned_by: A, message: { content: "pin this" } });
    await waitUntil(() => pinned.length === 1);
    expect(pinned[0]).toMatchObject({ message_id: ack.id, by: A, pinned_at: pin.pinned_at });
    expect((await bob.client.pins(direct)).map((p) => p.message_id)).toEqual([ack.id]);
    await bob.client.unpin(direct, ack.id);
    await waitUntil(() => unpinned.length === 1);
    expect(unpinned[0]).toMatchObject({ message_id: ack.id, by: B });
    expect(await alice.client.pins(direct)).toEqual([]);
    alice.client.close();
    bob.client.close();
  });
});
