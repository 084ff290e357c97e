import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTestDatabase,
  describeEachDialect,
  describeWithRedis,
  eventually,
  REDIS_URL,
  startServer,
  type TestServer,
  type TestSocket,
  useSuite,
} from "@chatapp/testkit";
import { expect, it } from "vitest";

// User ids 6000-6999 belong to this file: every test cluster shares one Redis channel.

type Http = TestServer["http"];

const path = (messageId: number, emoji: string) => `/api/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;

/** A direct conversation of `a` and `b` with one message from `a`; returns both ids. */
async function directMessage(http: Http, a: number, b: number, content = "react to me") {
  await http("/api/me", { userId: b });
  const conversation = await http("/api/conversations", { method: "POST", userId: a, json: { kind: "direct", user_id: b } });
  const sent = await http(`/api/conversations/${conversation.body.id}/messages`, {
    method: "POST",
    userId: a,
    json: { content },
  });
  return { conversationId: conversation.body.id as number, messageId: sent.body.id as number };
}

/** A group of `owner` and `members` with `count` messages from the owner; returns their ids. */
async function groupMessages(http: Http, owner: number, members: number[], count: number) {
  for (const u of [owner, ...members]) await http("/api/me", { userId: u });
  const group = await http("/api/conversations", {
    method: "POST",
    userId: owner,
    json: { kind: "group", title: "reactions", member_ids: members },
  });
  const messageIds: number[] = [];
  for (let i = 0; i < count; i++) {
    const sent = await http(`/api/conversations/${group.body.id}/messages`, {
      method: "POST",
      userId: owner,
      json: { content: `react to me ${i}` },
    });
    messageIds.push(sent.body.id);
  }
  return { conversationId: group.body.id as number, messageIds };
}

/** The `reaction` frame every member gets for one change. */
const reactionFrame = (f: { conversationId: number; messageId: number; userId: number; emoji: string }) => ({
  type: "reaction",
  conversation_id: f.conversationId,
  message_id: f.messageId,
  user_id: f.userId,
  emoji: f.emoji,
  action: "add",
  count: 1,
});

/** The `reaction` frames a socket got for one message. */
const reactionFrames = (socket: TestSocket, messageId: number) =>
  socket.ofType("reaction").filter((f) => f.message_id === messageId);

describeEachDialect("reactions", (dialect) => {
  const suite = useSuite(dialect);
  const http: Http = (...args) => suite().server.http(...args);

  it("(R) PUT adds and DELETE removes a reaction, answering the message's reactions with me", async () => {
    const { conversationId, messageId } = await directMessage(http, 6001, 6002);
    const added = await http(path(messageId, "👍"), { method: "PUT", userId: 6002 });
    expect(added).toEqual({
      status: 200,
      body: { message_id: messageId, conversation_id: conversationId, reactions: [{ emoji: "👍", count: 1, me: true }] },
    });
    const other = await http(path(messageId, "👍"), { method: "PUT", userId: 6001 });
    expect(other.body.reactions).toEqual([{ emoji: "👍", count: 2, me: true }]);
    const removed = await http(path(messageId, "👍"), { method: "DELETE", userId: 6002 });
    expect(removed).toEqual({
      status: 200,
      body: { message_id: messageId, conversation_id: conversationId, reactions: [{ emoji: "👍", count: 1, me: false }] },
    });
    const last = await http(path(messageId, "👍"), { method: "DELETE", userId: 6001 });
    expect(last.body.reactions).toEqual([]);
  });

  it("(R) is idempotent: one reaction per user, message and emoji; a repeat sends no frame", async () => {
    const { messageId } = await directMessage(http, 6011, 6012);
    const alice = await suite().connect(6011);
    const bob = await suite().connect(6012);
    const first = await http(path(messageId, "🎉"), { method: "PUT", userId: 6012 });
    const again = await http(path(messageId, "🎉"), { method: "PUT", userId: 6012 });
    expect(again).toEqual(first);
    expect(again.body.reactions).toEqual([{ emoji: "🎉", count: 1, me: true }]);
    await http(path(messageId, "🎉"), { method: "DELETE", userId: 6012 });
    const gone = await http(path(messageId, "🎉"), { method: "DELETE", userId: 6012 });
    expect(gone.body.reactions).toEqual([]);
    // A change after the repeats: once it arrives, every frame before it has too.
    await http(path(messageId, "👀"), { method: "PUT", userId: 6011 });
    for (const socket of [alice, bob]) {
      await socket.next((f) => f.type === "reaction" && f.emoji === "👀");
      expect(reactionFrames(socket, messageId).map((f) => [f.emoji, f.action, f.count])).toEqual([
        ["🎉", "add", 1],
        ["🎉", "remove", 0],
        ["👀", "add", 1],
      ]);
    }
  });

  it("(R) react and unreact frames: every connection of every member gets the reaction frame", async () => {
    const { conversationId, messageId } = await directMessage(http, 6021, 6022);
    const alice = await suite().connect(6021);
    const aliceOtherTab = await suite().connect(6021);
    const bob = await suite().connect(6022);
    bob.send({ type: "react", message_id: messageId, emoji: "❤️" });
    const expected = reactionFrame({ conversationId, messageId, userId: 6022, emoji: "❤️" });
    for (const socket of [alice, aliceOtherTab, bob]) {
      expect(await socket.next((f) => f.type === "reaction" && f.action === "add")).toEqual(expected);
    }
    bob.send({ type: "unreact", message_id: messageId, emoji: "❤️" });
    for (const socket of [alice, aliceOtherTab, bob]) {
      expect(await socket.next((f) => f.type === "reaction" && f.action === "remove")).toEqual({
        ...expected,
        action: "remove",
        count: 0,
      });
    }
    // Repeats over the socket change nothing and send nothing either.
    bob.send({ type: "unreact", message_id: messageId, emoji: "❤️" });
    await bob.roundTrip();
    expect(reactionFrames(bob, messageId)).toHaveLength(2);
    expect(bob.ofType("error")).toEqual([]);
  });

  it("(R) messages carry reactions in first-added order with me per caller in every read", async () => {
    const { conversationId, messageId } = await directMessage(http, 6031, 6032, "findable reactionword");
    const plain = await http(`/api/conversations/${conversationId}/messages`, {
      method: "POST",
      userId: 6031,
      json: { content: "x" },
    });
    await http(path(messageId, "😀"), { method: "PUT", userId: 6031 });
    await http(path(messageId, "👍"), { method: "PUT", userId: 6032 });
    await http(path(messageId, "👍"), { method: "PUT", userId: 6031 });
    const forAlice = [
      { emoji: "😀", count: 1, me: true },
      { emoji: "👍", count: 2, me: true },
    ];
    const forBob = [
      { emoji: "😀", count: 1, me: false },
      { emoji: "👍", count: 2, me: true },
    ];
    const page = async (userId: number) =>
      (await http(`/api/conversations/${conversationId}/messages`, { userId })).body.messages as any[];
    expect((await page(6031)).find((m) => m.id === messageId).reactions).toEqual(forAlice);
    expect((await page(6032)).find((m) => m.id === messageId).reactions).toEqual(forBob);
    // Absent, not [], on a message without any.
    expect((await page(6032)).find((m) => m.id === plain.body.id)).not.toHaveProperty("reactions");
    const search = await http(`/api/search?q=${encodeURIComponent("reactionword")}`, { userId: 6032 });
    expect(search.body.messages.find((m: any) => m.id === messageId).reactions).toEqual(forBob);
    const seed = await http("/api/messages/history?user_id=6031", { userId: 6032 });
    expect(seed.body.find((m: any) => m.id === messageId).reactions).toEqual(forBob);
    // last_message: the newest message gets a reaction.
    await http(path(plain.body.id, "🔥"), { method: "PUT", userId: 6032 });
    const entry = (await http(`/api/conversations/${conversationId}`, { userId: 6031 })).body;
    expect(entry.last_message.reactions).toEqual([{ emoji: "🔥", count: 1, me: false }]);
    const listed = (await http("/api/conversations", { userId: 6032 })).body.find((c: any) => c.id === conversationId);
    expect(listed.last_message.reactions).toEqual([{ emoji: "🔥", count: 1, me: true }]);
    // An edit keeps them: the answer with me, the frame fanned out without.
    const bob = await suite().connect(6032);
    const edited = await http(`/api/messages/${messageId}`, { method: "PATCH", userId: 6031, json: { content: "edited" } });
    expect(edited.body.reactions).toEqual(forAlice);
    const updated = await bob.next((f) => f.type === "message_updated" && f.id === messageId);
    expect(updated.reactions).toEqual(forAlice.map(({ emoji, count }) => ({ emoji, count })));
  });

  it("(R) a thread's root and replies carry their reactions with me", async () => {
    const { conversationId, messageId } = await directMessage(http, 6111, 6112, "thread root");
    const reply = await http(`/api/conversations/${conversationId}/messages`, {
      method: "POST",
      userId: 6112,
      json: { content: "in the thread", thread_root_id: messageId },
    });
    await http(path(messageId, "🧵"), { method: "PUT", userId: 6111 });
    await http(path(reply.body.id, "👌"), { method: "PUT", userId: 6112 });
    const thread = await http(`/api/conversations/${conversationId}/messages?thread=${messageId}`, { userId: 6112 });
    expect(thread.body.root.reactions).toEqual([{ emoji: "🧵", count: 1, me: false }]);
    expect(thread.body.messages[0].reactions).toEqual([{ emoji: "👌", count: 1, me: true }]);
  });

  it("takes skin tones, ZWJ sequences and flags percent-encoded in the path", async () => {
    const { messageId } = await directMessage(http, 6041, 6042);
    const emoji = ["👍🏽", "👩‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "1️⃣"];
    for (const e of emoji) expect((await http(path(messageId, e), { method: "PUT", userId: 6041 })).status).toBe(200);
    const page = await http(`/api/conversations/${(await directMessage(http, 6041, 6042)).conversationId}/messages`, {
      userId: 6042,
    });
    expect(page.body.messages.find((m: any) => m.id === messageId).reactions.map((r: any) => r.emoji)).toEqual(emoji);
  });

  it("(R) refuses what is not one emoji: HTTP 400 invalid_request, socket invalid_frame", async () => {
    const { messageId } = await directMessage(http, 6051, 6052);
    for (const text of ["a", "ok", "👍👍", "👍 ", "❤", "1", "%20"]) {
      const res = await http(`/api/messages/${messageId}/reactions/${encodeURIComponent(text)}`, { method: "PUT", userId: 6051 });
      expect(res.status, text).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    // An empty emoji is no path of this route at all.
    expect((await http(`/api/messages/${messageId}/reactions/`, { method: "PUT", userId: 6051 })).status).toBeGreaterThanOrEqual(
      400,
    );
    const alice = await suite().connect(6051);
    for (const emoji of ["", "x", "👍👍", 5]) {
      alice.send({ type: "react", message_id: messageId, emoji });
      const error = await alice.nextOfType("error");
      expect(error.code).toBe("invalid_frame");
    }
    expect(reactionFrames(alice, messageId)).toEqual([]);
  });

  it("(R) refuses a message one cannot see: HTTP 404, socket forbidden", async () => {
    const { messageId } = await directMessage(http, 6061, 6062);
    for (const [id, userId] of [
      [messageId, 6063],
      [999_999_999, 6061],
    ] as const) {
      const res = await http(path(id, "👍"), { method: "PUT", userId });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
      expect((await http(path(id, "👍"), { method: "DELETE", userId })).status).toBe(404);
    }
    const outsider = await suite().connect(6063);
    for (const type of ["react", "unreact"]) {
      outsider.send({ type, message_id: messageId, emoji: "👍" });
      expect((await outsider.nextOfType("error")).code).toBe("forbidden");
    }
  });

  it("refuses deleted and system messages: HTTP 409 conflict, socket invalid_frame", async () => {
    const { conversationId, messageId } = await directMessage(http, 6071, 6072);
    await http(path(messageId, "👍"), { method: "PUT", userId: 6072 });
    await http(`/api/messages/${messageId}`, { method: "DELETE", userId: 6071 });
    const res = await http(path(messageId, "👍"), { method: "PUT", userId: 6072 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("conflict");
    // Deleting dropped its reactions: history shows none.
    const page = await http(`/api/conversations/${conversationId}/messages`, { userId: 6072 });
    expect(page.body.messages.find((m: any) => m.id === messageId)).not.toHaveProperty("reactions");
    const group = await http("/api/conversations", {
      method: "POST",
      userId: 6071,
      json: { kind: "group", title: "G", member_ids: [6072] },
    });
    const system = (await http(`/api/conversations/${group.body.id}/messages`, { userId: 6071 })).body.messages[0];
    expect(system.kind).toBe("system");
    expect((await http(path(system.id, "👍"), { method: "PUT", userId: 6071 })).status).toBe(409);
    const bob = await suite().connect(6072);
    for (const id of [messageId, system.id]) {
      bob.send({ type: "react", message_id: id, emoji: "👍" });
      expect((await bob.nextOfType("error")).code).toBe("invalid_frame");
    }
  });

  it("refuses a 51st distinct emoji on one message with 409; known ones still count", async () => {
    const { messageId } = await directMessage(http, 6081, 6082);
    // U+1F600 onwards: 80 emoji that are each one RGI emoji on their own.
    const emoji = Array.from({ length: 51 }, (_, i) => String.fromCodePoint(0x1f600 + i));
    for (const e of emoji.slice(0, 50)) {
      expect((await http(path(messageId, e), { method: "PUT", userId: 6081 })).status).toBe(200);
    }
    const over = await http(path(messageId, emoji[50] as string), { method: "PUT", userId: 6082 });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("conflict");
    const known = await http(path(messageId, emoji[0] as string), { method: "PUT", userId: 6082 });
    expect(known.status).toBe(200);
    expect(known.body.reactions).toHaveLength(50);
    expect(known.body.reactions[0]).toEqual({ emoji: emoji[0], count: 2, me: true });
  });

  it("holds the 50-emoji cap when members add new emoji at once", async () => {
    const members = Array.from({ length: 24 }, (_, i) => 6202 + i);
    const {
      messageIds: [messageId],
    } = await groupMessages(http, 6201, members, 1);
    const id = messageId as number;
    const emoji = Array.from({ length: 64 }, (_, i) => String.fromCodePoint(0x1f600 + i));
    for (const e of emoji.slice(0, 49)) expect((await http(path(id, e), { method: "PUT", userId: 6201 })).status).toBe(200);
    const reactionsNow = async () =>
      (await http(path(id, emoji[0] as string), { method: "PUT", userId: 6201 })).body.reactions as any[];
    // One place left: half the members race for one new emoji, the others each for one of their own.
    const wanted = members.map((_, i) => (i % 2 === 0 ? emoji[49] : emoji[50 + (i >> 1)]) as string);
    const answers = await Promise.all(members.map((u, i) => http(path(id, wanted[i] as string), { method: "PUT", userId: u })));
    const filled = await reactionsNow();
    expect(filled).toHaveLength(50);
    // The first add to take the message's lock won the place; every add of its emoji counts.
    const winner = filled[49].emoji;
    expect(answers.map((a) => a.status)).toEqual(wanted.map((e) => (e === winner ? 200 : 409)));
    expect(filled[49].count).toBe(wanted.filter((e) => e === winner).length);
    // Full: every member racing for one more new emoji is refused, however many come at once.
    const late = await Promise.all(members.map((u) => http(path(id, emoji[63] as string), { method: "PUT", userId: u })));
    expect(late.map((a) => a.status)).toEqual(members.map(() => 409));
    expect(await reactionsNow()).toHaveLength(50);
  });

  it("a reaction racing its message's deletion never outlives the message", async () => {
    const members = Array.from({ length: 6 }, (_, i) => 6302 + i);
    // The deletions go through a second node on the same database, so they do not wait in the
    // queue of the node busy with the reactions. SQLite (one node, one writer) runs a few.
    const { conversationId, messageIds } = await groupMessages(http, 6301, members, dialect === "sqlite" ? 3 : 10);
    const other = dialect === "sqlite" ? undefined : await suite().server.restart();
    try {
      const deleter = other?.http ?? http;
      const emoji = Array.from({ length: 6 }, (_, i) => String.fromCodePoint(0x1f600 + i));
      await Promise.all(
        messageIds.map(async (id) => {
          let firstAdded: () => void = () => {};
          const added = new Promise<void>((resolve) => {
            firstAdded = resolve;
          });
          // Each member adds one emoji after another until the message is gone; the deletion
          // starts once the first of them is in, so later adds race it.
          const react = async (userId: number) => {
            for (const e of emoji) {
              const res = await http(path(id, e), { method: "PUT", userId });
              if (res.status === 409) return;
              expect(res.status).toBe(200);
              firstAdded();
            }
          };
          const remove = async () => {
            await added;
            expect((await deleter(`/api/messages/${id}`, { method: "DELETE", userId: 6301 })).status).toBe(200);
          };
          await Promise.all([remove(), ...members.map(react)]);
        }),
      );
    } finally {
      await other?.stop();
    }
    const left = await suite()
      .server.app.store.db.selectFrom("reactions")
      .innerJoin("messages", "messages.id", "reactions.message_id")
      .select(["reactions.message_id", "reactions.user_id"])
      .where("messages.conversation_id", "=", conversationId)
      .execute();
    expect(left).toEqual([]);
  });
});

describeEachDialect(
  "reactions and rate limits",
  (dialect) => {
    const suite = useSuite(dialect, {
      env: { RATE_FRAMES_PER_SECOND: "1", RATE_FRAMES_BURST: "3", RATE_MESSAGES_PER_SECOND: "1", RATE_MESSAGES_BURST: "1" },
    });

    it("counts reactions against the frame rate limit, not the message one", async () => {
      const http: Http = (...args) => suite().server.http(...args);
      const { messageId } = await directMessage(http, 6091, 6092);
      // The message budget (1) is spent by the send; reactions still pass, up to the frame burst.
      const statuses: number[] = [];
      for (const e of ["😀", "😁", "😂", "🤣"])
        statuses.push((await http(path(messageId, e), { method: "PUT", userId: 6092 })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    });

    it("a repeat, changing nothing, costs nothing: the budget is kept for changes", async () => {
      const http: Http = (...args) => suite().server.http(...args);
      const { messageId } = await directMessage(http, 6093, 6094);
      const statuses: number[] = [];
      const put = async (e: string) => statuses.push((await http(path(messageId, e), { method: "PUT", userId: 6094 })).status);
      const del = async (e: string) => statuses.push((await http(path(messageId, e), { method: "DELETE", userId: 6094 })).status);
      await put("😀");
      // Repeats of an add and removes of what is not there: all answered, none paid for, so
      // the two changes after them still fit in the burst of 3 (they would not if each repeat
      // took a token: six of them at one token a second).
      for (let i = 0; i < 3; i++) await put("😀");
      for (let i = 0; i < 3; i++) await del("😁");
      await put("😁");
      await put("😂");
      expect(statuses).toEqual(Array(9).fill(200));
    });
  },
  { only: ["sqlite"] },
);

describeWithRedis("reactions across two nodes", () => {
  describeEachDialect(
    "two nodes on Redis",
    (dialect) => {
      it("(R) a reaction on one node reaches every member's connections on the other", async () => {
        const database = await createTestDatabase(dialect);
        const uploadDir = await mkdtemp(join(tmpdir(), "chatapp-reactions-"));
        // DATABASE_URL only passes the config check (a cluster needs a shared database): the
        // test's own database replaces it.
        const env = { REDIS_URL, UPLOAD_DIR: uploadDir, DATABASE_URL: "postgres://u@127.0.0.1/x" };
        const a = await startServer(database, { env });
        const b = await startServer(database, { env });
        const sockets: TestSocket[] = [];
        try {
          const { conversationId, messageId } = await directMessage(a.http, 6101, 6102);
          const aliceOnA = await a.connect(6101);
          const bobOnB = await b.connect(6102);
          sockets.push(aliceOnA, bobOnB);
          // The nodes' subscriptions are live once a message from A reaches B.
          await eventually(async () => {
            await a.http(`/api/conversations/${conversationId}/messages`, {
              method: "POST",
              userId: 6101,
              json: { content: "probe" },
            });
            return bobOnB.ofType("message").length > 0;
          });
          aliceOnA.send({ type: "react", message_id: messageId, emoji: "🚀" });
          const expected = reactionFrame({ conversationId, messageId, userId: 6101, emoji: "🚀" });
          expect(await bobOnB.next((f) => f.type === "reaction")).toEqual(expected);
          expect(await aliceOnA.next((f) => f.type === "reaction")).toEqual(expected);
          const removed = await b.http(path(messageId, "🚀"), { method: "DELETE", userId: 6101 });
          expect(removed.body.reactions).toEqual([]);
          const remove = { ...expected, action: "remove", count: 0 };
          expect(await aliceOnA.next((f) => f.type === "reaction" && f.action === "remove")).toEqual(remove);
          expect(await bobOnB.next((f) => f.type === "reaction" && f.action === "remove")).toEqual(remove);
        } finally {
          await Promise.all(sockets.map((s) => s.close().catch(() => {})));
          await b.stop().catch(() => {});
          await a.stop().catch(() => {});
          await database.drop();
          await rm(uploadDir, { recursive: true, force: true });
        }
      });
    },
    { only: ["mysql", "postgres"] },
  );
});
