import { ChatClientError } from "@chatapp/client";
import { useSuite } from "@chatapp/testkit";
import { describe, expect, it } from "vitest";
import { testClient } from "./helpers.js";

describe("ChatClient: blocks and mutes against the server", () => {
  const suite = useSuite("sqlite");
  const [A, B, C] = [8601, 8602, 8603];

  it("blocks, lists and unblocks; a blocked direct send rejects with forbidden", async () => {
    const { server } = suite();
    for (const u of [A, B, C]) await server.http("/api/me", { userId: u });
    const alice = testClient(server, A);
    const bob = testClient(server, B);
    await alice.client.connect();
    await bob.client.connect();
    await alice.client.send({ receiverId: B }, "hello");
    await alice.client.block(B);
    await alice.client.block(C);
    await alice.client.block(B);
    const list = await alice.client.listBlocks();
    expect(list.map((b) => b.user_id)).toEqual([C, B]);
    expect(list[0]?.created_at).toMatch(/Z$/);
    const refused = await bob.client.send({ receiverId: A }, "let me in").catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ChatClientError);
    expect(refused).toMatchObject({ code: "forbidden", message: "you cannot send to this conversation" });
    const self = await alice.client.block(A).catch((err: unknown) => err);
    expect(self).toMatchObject({ code: "invalid_request", status: 400 });
    await alice.client.unblock(B);
    await alice.client.unblock(B);
    expect((await alice.client.listBlocks()).map((b) => b.user_id)).toEqual([C]);
    await bob.client.send({ receiverId: A }, "back again");
    alice.client.close();
    bob.client.close();
  });

  it("mutes until a time or until unmuted; conversation entries carry muted and muted_until", async () => {
    const { server } = suite();
    const alice = testClient(server, A);
    const group = await alice.client.api.createGroup("muted", [B]);
    expect(group).toMatchObject({ muted: false, muted_until: null });
    const until = new Date(Date.now() + 3600_000);
    expect(await alice.client.mute(group.id, until)).toEqual({
      conversation_id: group.id,
      muted: true,
      muted_until: until.toISOString(),
    });
    const listed = (await alice.client.api.conversations()).find((c) => c.id === group.id);
    expect(listed).toMatchObject({ muted: true, muted_until: until.toISOString() });
    expect(await alice.client.mute(group.id)).toMatchObject({ muted: true, muted_until: null });
    expect(await alice.client.api.conversation(group.id)).toMatchObject({ muted: true, muted_until: null });
    await alice.client.unmute(group.id);
    expect(await alice.client.api.conversation(group.id)).toMatchObject({ muted: false, muted_until: null });
    const past = await alice.client.mute(group.id, new Date(Date.now() - 1000)).catch((err: unknown) => err);
    expect(past).toMatchObject({ code: "invalid_request", status: 400 });
  });
});
