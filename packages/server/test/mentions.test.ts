import { createTestDatabase, describeEachDialect, eventually, type TestDatabase, useSuite } from "@chatapp/testkit";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ConversationsRepo } from "../src/store/conversations-repo.js";
import { openStore, type Store } from "../src/store/database.js";
import { resolveMentions } from "../src/store/mention-rows.js";
import { migrateToLatest } from "../src/store/migrate.js";
import { UsersRepo } from "../src/store/users-repo.js";

/**
 * Mentions (contract rich-messages §2, §7): the send's `mentions` ids and `@username` in its
 * text are resolved to members in the writer's transaction; others are dropped without a word.
 * Conversation entries count the caller's unread mentions, and reading clears them.
 */
describeEachDialect("mentions", (dialect) => {
  const suite = useSuite(dialect);
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  // Registered users (their ids are the server's to give): alice, bob, carol and dave.
  let A: number;
  let B: number;
  let C: number;
  let D: number;
  let group: number;
  let direct: number;

  const register = async (username: string) =>
    (await http("/api/auth/register", { method: "POST", json: { username, password: "correct horse" } })).body.user.id as number;
  const send = (conversationId: number, userId: number, json: Record<string, unknown>) =>
    http(`/api/conversations/${conversationId}/messages`, { method: "POST", userId, json });
  const entry = async (conversationId: number, userId: number) =>
    (await http(`/api/conversations/${conversationId}`, { userId })).body;
  const listed = async (conversationId: number, userId: number) =>
    ((await http("/api/conversations", { userId })).body as any[]).find((c) => c.id === conversationId);
  const history = async (conversationId: number, userId: number) =>
    (await http(`/api/conversations/${conversationId}/messages`, { userId })).body.messages as any[];

  beforeAll(async () => {
    A = await register("alice");
    B = await register("bob");
    C = await register("carol");
    D = await register("dave");
    group = (
      await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "m", member_ids: [B, C] } })
    ).body.id;
    direct = (await http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: B } })).body.id;
  });

  it("(R) stores the union of ids and @names, members only, deduplicated, the sender left out", async () => {
    const bob = await suite().connect(B);
    const dave = await suite().connect(D);
    const alice = await suite().connect(A);
    alice.send({
      type: "send",
      conversation_id: group,
      client_id: "mn-1",
      content: "hi @Bob, @BOB and @dave, @alice, @nobody-here. mail@carol",
      mentions: [C, D, A, 987_654_321, C, B],
    });
    const ack = await alice.nextOfType("ack");
    const frame = await bob.next((f) => f.type === "message" && f.id === ack.id);
    expect(ack.mentions).toEqual(frame.mentions);
    expect([...frame.mentions].sort((x: number, y: number) => x - y)).toEqual([B, C].sort((x, y) => x - y));
    const stored = (await history(group, C)).find((m) => m.id === ack.id);
    expect([...stored.mentions].sort()).toEqual([B, C].sort());
    // Dave, not a member, got nothing and learns nothing.
    await dave.roundTrip();
    expect(dave.ofType("message")).toEqual([]);

    // Over HTTP the answer carries them; names alone, case ignored; a message naming nobody has none.
    const named = await send(group, B, { content: "@CAROL look (@alice)" });
    expect(named.status).toBe(201);
    expect([...named.body.mentions].sort()).toEqual([A, C].sort());
    const plain = await send(group, B, { content: "mail@carol, @ nobody, @dave" });
    expect(plain.status).toBe(201);
    expect(plain.body).not.toHaveProperty("mentions");
    const self = await send(group, B, { content: "@bob", mentions: [B] });
    expect(self.body).not.toHaveProperty("mentions");
    // A direct conversation too.
    const dm = await send(direct, A, { content: "hey @bob", mentions: [C] });
    expect(dm.body.mentions).toEqual([B]);
    await Promise.all([alice.close(), bob.close(), dave.close()]);
  });

  it("(R) refuses a send with a bad mentions list whole, naming the field", async () => {
    const before = (await history(group, A)).length;
    const alice = await suite().connect(A);
    const bad: unknown[] = [Array.from({ length: 51 }, (_, i) => i + 1), ["2"], [0], [-3], [1.5], "2", { id: 2 }, null];
    for (const [n, mentions] of bad.entries()) {
      alice.send({ type: "send", conversation_id: group, content: "x", client_id: `bad-${n}`, mentions });
      const error = await alice.next((f) => f.type === "error" && f.client_id === `bad-${n}`);
      expect(error.code).toBe("invalid_frame");
      expect(error.message).toMatch(/mentions/);
      const res = await send(group, A, { content: "x", mentions });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.message).toMatch(/mentions/);
    }
    expect(await history(group, A)).toHaveLength(before);
    // 50 ids and an empty list are fine.
    const fifty = await send(group, A, { content: "many", mentions: Array.from({ length: 50 }, (_, i) => i + 1) });
    expect(fifty.status).toBe(201);
    expect((await send(group, A, { content: "none", mentions: [] })).status).toBe(201);
    await alice.close();
  });

  it("(R) counts unread mentions per member; deleted ones do not count; reading clears them", async () => {
    const room = (
      await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "count", member_ids: [B, C] } })
    ).body.id as number;
    expect(await entry(room, B)).toMatchObject({ mention_count: 0, mentioned: false });
    await send(room, A, { content: "one @bob" });
    await send(room, C, { content: "two", mentions: [B] });
    const gone = await send(room, A, { content: "three @bob" });
    await send(room, A, { content: "not for bob @carol" });
    expect(await entry(room, B)).toMatchObject({ mention_count: 3, mentioned: true });
    expect(await listed(room, B)).toMatchObject({ mention_count: 3, mentioned: true });
    expect(await entry(room, C)).toMatchObject({ mention_count: 1, mentioned: true });
    expect(await entry(room, A)).toMatchObject({ mention_count: 0, mentioned: false });
    expect((await http(`/api/messages/${gone.body.id}`, { method: "DELETE", userId: A })).status).toBe(200);
    expect(await entry(room, B)).toMatchObject({ mention_count: 2, mentioned: true });

    // The ready frame says so too.
    const bob = await suite().connect(B);
    const ready = bob.ofType("ready")[0] as { conversations: { id: number; mention_count: number }[] };
    expect(ready.conversations.find((c) => c.id === room)?.mention_count).toBe(2);

    // Reading up to the first clears one; the read frame past the rest clears them all.
    const page = await history(room, B);
    const read = await http(`/api/conversations/${room}/read`, { method: "POST", userId: B, json: { seq: page[1].seq } });
    expect(read.status).toBe(200);
    await eventually(async () => (await entry(room, B)).mention_count === 1);
    bob.send({ type: "read", conversation_id: room, seq: page.at(-1).seq });
    await eventually(async () => (await entry(room, B)).mentioned === false);
    expect(await listed(room, B)).toMatchObject({ mention_count: 0, mentioned: false });
    await bob.close();
  });

  it("(R) thread replies that mention the caller count too", async () => {
    const room = (
      await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "threads", member_ids: [B] } })
    ).body.id as number;
    const root = await send(room, A, { content: "a plan" });
    const reply = await send(room, A, { content: "@bob in the thread", thread_root_id: root.body.id });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ thread_root_id: root.body.id, mentions: [B] });
    expect(await entry(room, B)).toMatchObject({ mention_count: 1, mentioned: true });
  });

  it("an edit recomputes the @names from the new text and keeps the send's ids", async () => {
    const sent = await send(group, A, { content: "@bob look", mentions: [C] });
    expect([...sent.body.mentions].sort()).toEqual([B, C].sort());
    const bob = await suite().connect(B);
    const edited = await http(`/api/messages/${sent.body.id}`, { method: "PATCH", userId: A, json: { content: "no names now" } });
    expect(edited.body.mentions).toEqual([C]);
    const frame = await bob.next((f) => f.type === "message_updated" && f.id === sent.body.id);
    expect(frame.mentions).toEqual([C]);
    const again = await http(`/api/messages/${sent.body.id}`, { method: "PATCH", userId: A, json: { content: "@Bob again" } });
    expect([...again.body.mentions].sort()).toEqual([B, C].sort());
    expect([...(await history(group, B)).find((m) => m.id === sent.body.id).mentions].sort()).toEqual([B, C].sort());
    await bob.close();
  });

  it("resolves every @name of a text, not only the first 50", async () => {
    const names = Array.from({ length: 60 }, (_, i) => `many${String(i).padStart(2, "0")}`);
    const ids = await Promise.all(names.map((n) => register(n)));
    const room = (
      await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "crowd", member_ids: ids } })
    ).body.id as number;
    // 300 names of nobody first: the members' names come after them, and all are looked up.
    const nobody = Array.from({ length: 300 }, (_, i) => `@nobody${i}`).join(" ");
    const content = `${nobody} ${names.map((n) => `@${n}`).join(" ")}`;
    expect(content.length).toBeLessThanOrEqual(4000);
    const sent = await send(room, A, { content });
    expect(sent.status).toBe(201);
    const sorted = (list: number[]) => [...list].sort((x, y) => x - y);
    expect(sorted(sent.body.mentions)).toEqual(sorted(ids));
    // An edit reads the whole new text too.
    const edited = await http(`/api/messages/${sent.body.id}`, {
      method: "PATCH",
      userId: A,
      json: { content: `${names.map((n) => `@${n}`).join(" ")} ${nobody}` },
    });
    expect(sorted(edited.body.mentions)).toEqual(sorted(ids));
    expect(await entry(room, ids[59] as number)).toMatchObject({ mention_count: 1, mentioned: true });
  });

  it("someone who leaves is no longer mentionable; someone added is, from then on", async () => {
    const room = (
      await http("/api/conversations", { method: "POST", userId: A, json: { kind: "group", title: "moves", member_ids: [B] } })
    ).body.id as number;
    expect((await send(room, A, { content: "@carol?" })).body).not.toHaveProperty("mentions");
    await http(`/api/conversations/${room}/members`, { method: "POST", userId: A, json: { user_ids: [C] } });
    expect((await send(room, A, { content: "@carol!" })).body.mentions).toEqual([C]);
    expect((await http(`/api/conversations/${room}/members/${B}`, { method: "DELETE", userId: A })).status).toBe(204);
    expect((await send(room, A, { content: "@bob?", mentions: [B] })).body).not.toHaveProperty("mentions");
  });
});

/** resolveMentions against each real database: names past one query's worth are all looked up. */
describeEachDialect("mention lookups", (dialect) => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    store = openStore(database.config);
    await migrateToLatest(store, pino({ level: "silent" }));
  });

  afterAll(async () => {
    await store?.destroy();
    await database?.drop();
  });

  it("resolves sends naming 2,400 names in all, members only", async () => {
    const users = new UsersRepo(store);
    const made = [];
    for (const username of ["sender", "first", "last"]) {
      made.push(await users.create({ username, displayName: username, passwordHash: "unused" }));
    }
    const [sender, first, last] = made.map((u) => u?.id as number) as [number, number, number];
    const group = await new ConversationsRepo(store).createGroup("g", sender, [first, last]);
    const filler = (from: number) => Array.from({ length: 799 }, (_, i) => `nobody${from + i}`);
    const lists = [
      { conversationId: group, senderId: sender, ids: [], names: ["first", ...filler(0)] },
      { conversationId: group, senderId: sender, ids: [], names: [...filler(1000), "sender"] },
      { conversationId: group, senderId: sender, ids: [last], names: [...filler(2000), "last", "first"] },
    ];
    const resolved = await resolveMentions(store.db, lists);
    expect(resolved.map((r) => r.userIds)).toEqual([[first], [], [first, last].sort((x, y) => x - y)]);
    expect([...(resolved[2]?.byId ?? [])]).toEqual([last]);
  });
});
