import { type ChatClientOptions, memoryStorage, type OwnerLocks, type StorageAdapter } from "@chatapp/client";
import type { ConversationMessagesResponse, Message } from "@chatapp/protocol";
import { createTestDatabase, deadPort, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClient, waitUntil } from "./helpers.js";

describe("the offline-first SDK against the server", () => {
  let database: TestDatabase;
  let server: TestServer;
  let offlineUrl: string;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database);
    offlineUrl = `ws://127.0.0.1:${await deadPort()}/ws`;
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  /** A client of `userId` on `storage`, offline (nothing listens) unless `online`. */
  function clientOn(storage: StorageAdapter, userId: number, online: boolean, options: Partial<ChatClientOptions> = {}) {
    return testClient(server, userId, {
      storage,
      httpUrl: online ? server.url : offlineUrl.replace("ws:", "http:").replace("/ws", ""),
      ...(online ? {} : { url: offlineUrl }),
      ...options,
    });
  }

  async function history(userId: number, conversationId: number): Promise<Message[]> {
    const res = await fetch(`${server.url}/api/conversations/${conversationId}/messages?limit=1000`, {
      headers: { authorization: `Bearer ${await server.token(userId)}` },
    });
    return ((await res.json()) as ConversationMessagesResponse).messages;
  }

  /** Users exist once they have connected. */
  async function provision(...ids: number[]): Promise<void> {
    for (const id of ids) (await server.connect(id)).close();
  }

  async function directWith(a: number, b: number): Promise<number> {
    await provision(a, b);
    const first = testClient(server, a);
    await first.client.connect();
    const ack = await first.client.send({ receiverId: b }, "start");
    first.client.close();
    return ack.conversationId;
  }

  it("keeps sends made offline: a client made later on the same storage sends them once, in order", async () => {
    const storage = memoryStorage();
    const conversationId = await directWith(101, 102);
    const offline = clientOn(storage, 101, false);
    offline.client.connect().catch(() => {});
    const sends = ["one", "two", "three"].map((text) => offline.client.send({ conversationId }, text));
    for (const s of sends) s.catch(() => {});
    expect(offline.client.queuedSends().map((s) => s.content)).toEqual(["one", "two", "three"]);
    offline.client.close();
    await Promise.allSettled(sends);

    const back = clientOn(storage, 101, true);
    const restored = await back.client.restore();
    expect(restored.sends.map((s) => s.content)).toEqual(["one", "two", "three"]);
    await back.client.connect();
    const adopted: string[] = [];
    back.client.on("send_adopted", (a) => adopted.push(a.content));
    const acks = await Promise.all(restored.sends.map((s) => s.result));
    // A look for sends to take over, right after the acks, finds none (their removal is written first).
    await (back.client as unknown as { adoptOrphans(): Promise<void> }).adoptOrphans();
    expect(adopted).toEqual([]);
    expect(acks.map((a) => a.seq)).toEqual([2, 3, 4]);
    expect((await history(101, conversationId)).map((m) => m.content)).toEqual(["start", "one", "two", "three"]);
    back.client.close();

    // Answered: nothing is left to send by the next client.
    const third = clientOn(storage, 101, true);
    expect((await third.client.restore()).sends).toEqual([]);
    third.client.close();
  });

  it("resumes from stored cursors: only what came since, no duplicate, no gap", async () => {
    const storage = memoryStorage();
    const peer = testClient(server, 112);
    await peer.client.connect();
    const first = clientOn(storage, 111, true);
    await first.client.connect();
    const ack = await peer.client.send({ receiverId: 111 }, "m1");
    for (const text of ["m2", "m3"]) await peer.client.send({ receiverId: 111 }, text);
    await waitUntil(() => first.received.get(ack.conversationId)?.length === 3);
    first.client.close();
    for (const text of ["m4", "m5"]) await peer.client.send({ receiverId: 111 }, text);

    const second = clientOn(storage, 111, true);
    await second.client.connect();
    await waitUntil(() => second.received.get(ack.conversationId)?.length === 2);
    expect(second.received.get(ack.conversationId)?.map((m) => m.content)).toEqual(["m4", "m5"]);
    // The cache holds all five, the ones emitted by the first client and by this one.
    await waitUntil(async () => (await second.client.cachedMessages(ack.conversationId)).length === 5);
    expect((await second.client.cachedMessages(ack.conversationId)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    second.client.close();
    peer.client.close();
  });

  it("caches the latest messages per conversation, bounded, and keeps them current", async () => {
    const storage = memoryStorage();
    const peer = testClient(server, 122);
    await peer.client.connect();
    const me = clientOn(storage, 121, true, { cacheMessages: 5 });
    await me.client.connect();
    const acks = [];
    for (let i = 1; i <= 8; i++) acks.push(await peer.client.send({ receiverId: 121 }, `n${i}`));
    const id = acks[0]?.conversationId as number;
    await waitUntil(() => me.received.get(id)?.length === 8);
    await waitUntil(async () => (await me.client.cachedMessages(id)).at(-1)?.seq === 8);
    expect((await me.client.cachedMessages(id)).map((m) => m.content)).toEqual(["n4", "n5", "n6", "n7", "n8"]);

    // An edit, a deletion and a reaction reach the cached copies.
    const edited = acks[6]?.id as number;
    const deleted = acks[7]?.id as number;
    await peer.client.api.editMessage(edited, "n7 edited");
    await peer.client.api.deleteMessage(deleted);
    await me.client.react(acks[5]?.id as number, "👍");
    await waitUntil(async () => {
      const cached = await me.client.cachedMessages(id);
      return (
        cached.find((m) => m.id === edited)?.content === "n7 edited" &&
        cached.find((m) => m.id === deleted)?.deleted === true &&
        cached.find((m) => m.seq === 6)?.reactions?.[0]?.emoji === "👍"
      );
    });
    const gone = (await me.client.cachedMessages(id)).find((m) => m.id === deleted);
    expect(gone?.content).toBe("");
    me.client.close();

    // A long absence: more than the cache holds arrives; the cache is the latest run again, no hole.
    for (let i = 9; i <= 20; i++) await peer.client.send({ receiverId: 121 }, `n${i}`);
    const back = clientOn(storage, 121, true, { cacheMessages: 5 });
    await back.client.connect();
    await waitUntil(() => back.received.get(id)?.length === 12);
    await waitUntil(async () => (await back.client.cachedMessages(id)).at(-1)?.seq === 20);
    expect((await back.client.cachedMessages(id)).map((m) => m.seq)).toEqual([16, 17, 18, 19, 20]);
    back.client.close();
    peer.client.close();
  });

  it("keeps the conversation list, current with the messages since", async () => {
    const storage = memoryStorage();
    await provision(131);
    const peer = testClient(server, 132);
    await peer.client.connect();
    const ack = await peer.client.send({ receiverId: 131 }, "hello");
    const me = clientOn(storage, 131, true);
    await me.client.connect();
    const list = await me.client.conversations();
    expect(list.map((c) => c.id)).toContain(ack.conversationId);
    await peer.client.send({ receiverId: 131 }, "latest");
    await waitUntil(() => me.client.cachedConversations()[0]?.last_message?.content === "latest");
    me.client.close();

    const later = clientOn(storage, 131, false);
    const restored = await later.client.restore();
    expect(restored.userId).toBe(131);
    expect(restored.conversations[0]).toMatchObject({ id: ack.conversationId, last_seq: 2, unread_count: 2 });
    expect((await later.client.cachedMessages(ack.conversationId)).map((m) => m.content)).toEqual(["hello", "latest"]);
    later.client.close();
    peer.client.close();
  });

  it("never sends another user's stored sends, nor shows their cache", async () => {
    const storage = memoryStorage();
    const conversationId = await directWith(141, 142);
    const first = clientOn(storage, 141, true);
    await first.client.connect();
    await first.client.send({ conversationId }, "mine");
    first.client.close();
    const offline = clientOn(storage, 141, false);
    offline.client.connect().catch(() => {});
    offline.client.send({ conversationId }, "queued by 141").catch(() => {});
    offline.client.close();

    const other = clientOn(storage, 143, true);
    const errors: string[] = [];
    other.client.on("error", (e) => errors.push(e.code));
    const restored = await other.client.restore();
    expect(restored.sends).toHaveLength(1);
    const refused = restored.sends[0]?.result.catch((e: { code: string }) => e.code);
    await other.client.connect();
    expect(await refused).toBe("closed");
    expect(other.client.cachedConversations()).toEqual([]);
    expect(await other.client.cachedMessages(conversationId)).toEqual([]);
    expect((await history(141, conversationId)).map((m) => m.content)).toEqual(["start", "mine"]);
    expect((await storage.read("o:")).length).toBe(0);
    expect((await storage.read("meta"))[0]?.[1]).toEqual({ userId: 143 });
    other.client.close();
  });

  it("clearLocalData deletes everything stored, unsent sends included", async () => {
    const storage = memoryStorage();
    await provision(152);
    const me = clientOn(storage, 151, false);
    me.client.connect().catch(() => {});
    me.client.send({ receiverId: 152 }, "never sent").catch(() => {});
    await waitUntil(async () => (await storage.read("o:")).length === 1);
    await me.client.clearLocalData();
    expect(await storage.read("")).toEqual([]);
  });

  it("keeps a file of a send made offline, uploads it later, and sends the message with it", async () => {
    const storage = memoryStorage();
    const conversationId = await directWith(161, 162);
    const offline = clientOn(storage, 161, false);
    offline.client.connect().catch(() => {});
    const bytes = new TextEncoder().encode("a file written offline");
    offline.client.send({ conversationId }, "with a file", { attachments: [bytes] }).catch(() => {});
    expect(offline.client.queuedSends()[0]?.uploads).toEqual([
      { name: "file", type: "application/octet-stream", size: bytes.length },
    ]);
    await waitUntil(async () => (await storage.read("o:")).length === 1);
    offline.client.close();

    const back = clientOn(storage, 161, true);
    const progress: number[] = [];
    back.client.on("upload_progress", (p) => progress.push(p.loaded));
    const restored = await back.client.restore();
    await back.client.connect();
    const ack = await restored.sends[0]?.result;
    expect(progress.at(-1)).toBe(bytes.length);
    const stored = (await history(161, conversationId)).find((m) => m.id === ack?.id);
    expect(stored?.attachments?.[0]).toMatchObject({ size: bytes.length });
    await waitUntil(
      () => back.received.get(conversationId)?.some((m) => m.id === ack?.id && m.attachments?.length === 1) === true,
    );
    back.client.close();
  });

  it("two runtimes on one store: each sends its own; one that is gone has its sends adopted once", async () => {
    const storage = memoryStorage();
    const alive = new Set<string>();
    const owners = (id: string): OwnerLocks => ({
      id,
      start: async () => void alive.add(id),
      alive: async (ids) => new Set(ids.filter((i) => alive.has(i))),
      exclusive: (fn) => fn(),
      stop: () => void alive.delete(id),
    });
    const shared = (id: string): StorageAdapter => ({
      read: (p) => storage.read(p),
      write: (c) => storage.write(c),
      clear: () => storage.clear(),
      close: async () => {},
      owners: owners(id),
    });
    const conversationId = await directWith(171, 172);
    const tabA = clientOn(shared("A"), 171, false);
    tabA.client.connect().catch(() => {});
    tabA.client.send({ conversationId }, "typed in A").catch(() => {});
    await waitUntil(async () => (await storage.read("o:")).length === 1);

    // B starts while A lives: A's send is A's.
    const tabB = clientOn(shared("B"), 171, true);
    expect((await tabB.client.restore()).sends).toEqual([]);
    await tabB.client.connect();
    const adopted: string[] = [];
    tabB.client.on("send_adopted", (s) => adopted.push(s.content));
    // A closes (its lock goes): B adopts at its next look, and sends it once.
    tabA.client.close();
    await (tabB.client as unknown as { adoptOrphans(): Promise<void> }).adoptOrphans();
    expect(adopted).toEqual(["typed in A"]);
    await waitUntil(async () => (await history(171, conversationId)).some((m) => m.content === "typed in A"));
    await waitUntil(async () => (await storage.read("o:")).length === 0);
    expect((await history(171, conversationId)).filter((m) => m.content === "typed in A")).toHaveLength(1);
    tabB.client.close();
  });
});
