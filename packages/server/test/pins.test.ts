import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  describeEachDialect,
  describeWithRedis,
  eventually,
  REDIS_URL,
  startSuite,
  type TestSocket,
  useSuite,
} from "@chatapp/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";

/**
 * Pins (contract rich-messages §9): owners pin in a group, either member in a direct
 * conversation; `pinned`/`unpinned` frames reach every member (on every node); a repeat
 * changes nothing; deleting a pinned message unpins it.
 */
describeEachDialect("pins", (dialect) => {
  const suite = useSuite(dialect);
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  const [A, B, C, D] = [8001, 8002, 8003, 8004];
  let group: number;
  let direct: number;

  const send = async (conversationId: number, userId: number, content: string) =>
    (await http(`/api/conversations/${conversationId}/messages`, { method: "POST", userId, json: { content } })).body;
  const pinPath = (conversationId: number, messageId: number) => `/api/conversations/${conversationId}/pins/${messageId}`;
  const pin = (conversationId: number, messageId: number, userId: number) =>
    http(pinPath(conversationId, messageId), { method: "PUT", userId });
  const unpin = (conversationId: number, messageId: number, userId: number) =>
    http(pinPath(conversationId, messageId), { method: "DELETE", userId });
  const pins = async (conversationId: number, userId: number) =>
    (await http(`/api/conversations/${conversationId}/pins`, { userId })).body.pins as any[];
  const framesFor = (socket: TestSocket, type: string, messageId: number) =>
    socket.ofType(type).filter((f) => f.message_id === messageId);

  /** Every socket gets the group's `unpinned` frame for the message, by `by`. */
  async function expectUnpinned(sockets: TestSocket[], messageId: number, by: number) {
    for (const s of sockets) {
      const frame = await s.next((f) => f.type === "unpinned" && f.message_id === messageId);
      expect(frame).toEqual({ type: "unpinned", conversation_id: group, message_id: messageId, by });
    }
  }

  beforeAll(async () => {
    for (const u of [A, B, C, D]) await http("/api/me", { userId: u });
    group = (
      await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "p", member_ids: [B, C] } })
    ).body.id;
    direct = (await http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: B } })).body.id;
  });

  it("(R) an owner pins: 200 with the pin, a pinned frame to every member; a repeat answers the same pin, no frame", async () => {
    const msg = await send(group, B, "pin me");
    const sockets = await Promise.all([A, B, C].map((u) => suite().connect(u)));
    const dave = await suite().connect(D);
    const res = await pin(group, msg.id, A);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      message_id: msg.id,
      conversation_id: group,
      pinned_by: A,
      message: { id: msg.id, content: "pin me" },
    });
    expect(res.body.pinned_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    for (const s of sockets) {
      const frame = await s.next((f) => f.type === "pinned" && f.message_id === msg.id);
      expect(frame).toEqual({ type: "pinned", conversation_id: group, message_id: msg.id, by: A, pinned_at: res.body.pinned_at });
    }
    const again = await pin(group, msg.id, A);
    expect(again.status).toBe(200);
    // The same pin; its message's status may have moved on meanwhile (the members are connected).
    expect({ ...again.body, message: { ...again.body.message, status: "sent" } }).toEqual({
      ...res.body,
      message: { ...res.body.message, status: "sent" },
    });
    expect((await pins(group, C)).filter((p) => p.message_id === msg.id)).toHaveLength(1);
    // The unpin's frame comes after anything the repeat could have sent: one pinned frame each.
    expect((await unpin(group, msg.id, A)).status).toBe(204);
    for (const s of sockets) {
      await s.next((f) => f.type === "unpinned" && f.message_id === msg.id);
      expect(framesFor(s, "pinned", msg.id)).toHaveLength(1);
    }
    await dave.roundTrip();
    expect(dave.ofType("pinned")).toEqual([]);
    await Promise.all([...sockets, dave].map((s) => s.close()));
  });

  it("(R) unpin: 204 and an unpinned frame to every member; 204 again when not pinned, with no frame", async () => {
    const msg = await send(group, C, "briefly pinned");
    expect((await pin(group, msg.id, A)).status).toBe(200);
    const sockets = await Promise.all([A, B, C].map((u) => suite().connect(u)));
    const res = await unpin(group, msg.id, A);
    expect(res.status).toBe(204);
    await expectUnpinned(sockets, msg.id, A);
    expect((await unpin(group, msg.id, A)).status).toBe(204);
    const never = await send(group, C, "never pinned");
    expect((await unpin(group, never.id, A)).status).toBe(204);
    for (const s of sockets) await s.roundTrip();
    expect(framesFor(sockets[0] as TestSocket, "unpinned", msg.id)).toHaveLength(1);
    expect(framesFor(sockets[0] as TestSocket, "unpinned", never.id)).toHaveLength(0);
    expect((await pins(group, B)).some((p) => p.message_id === msg.id)).toBe(false);
    await Promise.all(sockets.map((s) => s.close()));
  });

  it("(R) lists pins newest first, each with its message", async () => {
    const room = (
      await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "order", member_ids: [B] } })
    ).body.id as number;
    const ids: number[] = [];
    for (const text of ["first", "second", "third"]) {
      const msg = await send(room, B, text);
      ids.push(msg.id);
      expect((await pin(room, msg.id, A)).status).toBe(200);
    }
    const list = await pins(room, B);
    expect(list.map((p) => p.message_id)).toEqual([...ids].reverse());
    expect(list[0]).toMatchObject({ conversation_id: room, pinned_by: A, message: { id: ids[2], content: "third" } });
    expect(await pins(room, A)).toEqual(list);
  });

  it("(R) who may pin: owners in a group (a member is 403), both members of a direct conversation, nobody outside (404)", async () => {
    const msg = await send(group, A, "rules");
    const byMember = await pin(group, msg.id, B);
    expect(byMember.status).toBe(403);
    expect(byMember.body.error.code).toBe("forbidden");
    expect((await unpin(group, msg.id, B)).status).toBe(403);
    const outsider = await pin(group, msg.id, D);
    expect(outsider.status).toBe(404);
    expect(outsider.body.error.code).toBe("not_found");
    expect((await unpin(group, msg.id, D)).status).toBe(404);
    expect((await http(`/api/conversations/${group}/pins`, { userId: D })).status).toBe(404);

    const dm = await send(direct, A, "in private");
    expect((await pin(direct, dm.id, B)).status).toBe(200);
    expect((await unpin(direct, dm.id, A)).status).toBe(204);
    expect((await pin(direct, dm.id, A)).body.pinned_by).toBe(A);
  });

  it("(R) a message not in this conversation is 404; a deleted or system message is 409", async () => {
    const elsewhere = await send(direct, A, "other conversation");
    const wrong = await pin(group, elsewhere.id, A);
    expect(wrong.status).toBe(404);
    expect(wrong.body.error.code).toBe("not_found");
    expect((await pin(group, 987_654_321, A)).status).toBe(404);
    expect((await unpin(group, elsewhere.id, A)).status).toBe(404);
    expect((await http(pinPath(group, 0), { method: "PUT", userId: A })).status).toBe(400);

    const doomed = await send(group, A, "to delete");
    expect((await http(`/api/messages/${doomed.id}`, { method: "DELETE", userId: A })).status).toBe(200);
    const deleted = await pin(group, doomed.id, A);
    expect(deleted.status).toBe(409);
    expect(deleted.body.error.code).toBe("conflict");
    const system = (await http(`/api/conversations/${group}/messages`, { userId: A })).body.messages.find(
      (m: any) => m.kind === "system",
    );
    expect((await pin(group, system.id, A)).status).toBe(409);
  });

  it("a pin's message is as the reader sees it now: its quote and reactions with me", async () => {
    const quoted = await send(direct, B, "the plan");
    const reply = await http(`/api/conversations/${direct}/messages`, {
      method: "POST",
      userId: A,
      json: { content: "agreed", reply_to: quoted.id },
    });
    expect(reply.status).toBe(201);
    expect(
      (await http(`/api/messages/${reply.body.id}/reactions/${encodeURIComponent("👍")}`, { method: "PUT", userId: B })).status,
    ).toBe(200);
    const pinned = await pin(direct, reply.body.id, B);
    expect(pinned.status).toBe(200);
    expect(pinned.body.message).toMatchObject({
      reply_to: { id: quoted.id, content: "the plan" },
      reactions: [{ emoji: "👍", count: 1, me: true }],
    });
    const listed = (await pins(direct, A)).find((p) => p.message_id === reply.body.id);
    expect(listed.message).toMatchObject({
      reply_to: { id: quoted.id },
      reactions: [{ emoji: "👍", count: 1, me: false }],
    });
  });

  it("a 51st pin is 409", async () => {
    const room = (await http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: C } })).body
      .id as number;
    for (let i = 0; i < 50; i++) {
      const msg = await send(room, A, `m${i}`);
      expect((await pin(room, msg.id, C)).status).toBe(200);
    }
    const extra = await send(room, A, "one too many");
    const full = await pin(room, extra.id, A);
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe("conflict");
    expect(await pins(room, A)).toHaveLength(50);
  });

  it("(R) deleting a pinned message unpins it: an unpinned frame with the deleter as by", async () => {
    const msg = await send(group, C, "pinned then deleted");
    expect((await pin(group, msg.id, A)).status).toBe(200);
    const sockets = await Promise.all([A, B, C].map((u) => suite().connect(u)));
    expect((await http(`/api/messages/${msg.id}`, { method: "DELETE", userId: C })).status).toBe(200);
    await expectUnpinned(sockets, msg.id, C);
    expect((await pins(group, A)).some((p) => p.message_id === msg.id)).toBe(false);
    await Promise.all(sockets.map((s) => s.close()));
  });

  it("a pin racing its message's deletion never outlives the message", async () => {
    const room = (await http("/api/conversations", { method: "POST", userId: B, json: { kind: "direct", user_id: D } })).body
      .id as number;
    const messages = [];
    for (let i = 0; i < 20; i++) messages.push(await send(room, B, `pin or delete ${i}`));
    await Promise.all(
      messages.map(async (msg) => {
        const [deleted, pinned] = await Promise.all([
          http(`/api/messages/${msg.id}`, { method: "DELETE", userId: B }),
          pin(room, msg.id, D),
        ]);
        expect(deleted.status).toBe(200);
        expect([200, 409]).toContain(pinned.status);
      }),
    );
    expect(await pins(room, B)).toEqual([]);
  });
});

describeWithRedis("pins across two nodes", () => {
  describeEachDialect(
    "pinned and unpinned frames",
    (dialect) => {
      const dir = mkdtempSync(join(tmpdir(), "chatapp-pins-"));
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      it("(R) reach members connected to the other node", async () => {
        // DATABASE_URL only passes the config check (a cluster needs a shared database): the
        // suite's own database replaces it.
        const suite = await startSuite(dialect, {
          env: { REDIS_URL, UPLOAD_DIR: dir, DATABASE_URL: "postgres://u@127.0.0.1/x" },
        });
        const other = await suite.server.restart();
        try {
          const [A, B, C] = [8101, 8102, 8103];
          for (const u of [A, B, C]) await suite.server.http("/api/me", { userId: u });
          const group = (
            await suite.server.http("/api/conversations", {
              method: "POST",
              userId: A,
              json: { kind: "group", title: "cluster", member_ids: [B, C] },
            })
          ).body.id as number;
          const msg = (
            await suite.server.http(`/api/conversations/${group}/messages`, { method: "POST", userId: B, json: { content: "x" } })
          ).body;
          const bob = await suite.connect(B, other);
          const carol = await suite.connect(C, other);
          const path = `/api/conversations/${group}/pins/${msg.id}`;
          expect((await suite.server.http(path, { method: "PUT", userId: A })).status).toBe(200);
          for (const s of [bob, carol]) {
            expect(await s.next((f) => f.type === "pinned" && f.message_id === msg.id)).toMatchObject({
              conversation_id: group,
              by: A,
            });
          }
          expect((await suite.server.http(path, { method: "DELETE", userId: A })).status).toBe(204);
          for (const s of [bob, carol]) {
            expect(await s.next((f) => f.type === "unpinned" && f.message_id === msg.id)).toMatchObject({ by: A });
          }
          // Deleting on one node unpins for the other's members too.
          expect((await suite.server.http(path, { method: "PUT", userId: A })).status).toBe(200);
          await bob.next((f) => f.type === "pinned" && f.message_id === msg.id, 5000, bob.ofType("unpinned").length);
          expect((await suite.server.http(`/api/messages/${msg.id}`, { method: "DELETE", userId: B })).status).toBe(200);
          await eventually(() => carol.ofType("unpinned").filter((f) => f.by === B).length === 1);
        } finally {
          await suite.done([other]);
        }
      });
    },
    { only: ["mysql", "postgres"] },
  );
});
