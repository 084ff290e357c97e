import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChatClientOptions, fileStorage, memoryStorage, type StorageAdapter } from "@chatapp/client";
import type { ConversationMessagesResponse } from "@chatapp/protocol";
import { createTestDatabase, deadPort, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { testClient, waitUntil } from "./helpers.js";

/**
 * The edges of the offline outbox that an independent review found open: order across a
 * restart and across close()/connect(), timeouts, a write the storage refuses, another user's
 * data, and lanes of direct conversations.
 */
describe("the offline outbox at its edges", () => {
  let database: TestDatabase;
  let server: TestServer;
  let offlineUrl: string;
  let dir: string;
  /** While true, the switchable WebSocket below dials a port nothing listens on. */
  const network = { down: false };
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database);
    offlineUrl = `ws://127.0.0.1:${await deadPort()}/ws`;
    dir = mkdtempSync(join(tmpdir(), "chatapp-edges-"));
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  class SwitchableSocket extends WebSocket {
    constructor(url: string, ...rest: unknown[]) {
      super(network.down ? offlineUrl : url, ...(rest as []));
    }
  }

  function clientOn(storage: StorageAdapter, userId: number, online: boolean, options: Partial<ChatClientOptions> = {}) {
    return testClient(server, userId, {
      storage,
      sendTimeoutMs: 0,
      httpUrl: online ? server.url : offlineUrl.replace("ws:", "http:").replace("/ws", ""),
      ...(online ? {} : { url: offlineUrl }),
      ...options,
    });
  }

  async function history(userId: number, conversationId: number): Promise<string[]> {
    const res = await server.http(`/api/conversations/${conversationId}/messages?limit=1000`, { userId });
    return (res.body as ConversationMessagesResponse).messages.map((m) => m.content);
  }

  async function directWith(a: number, b: number): Promise<number> {
    for (const id of [a, b]) (await server.connect(id)).close();
    const res = await server.http("/api/conversations", { method: "POST", userId: a, json: { kind: "direct", user_id: b } });
    return (res.body as { id: number }).id;
  }

  /** Sends `texts` from a client that never reaches the server, and closes it (they stay stored). */
  async function storeOffline(storage: StorageAdapter, userId: number, conversationId: number, texts: string[]) {
    const offline = clientOn(storage, userId, false);
    offline.client.connect().catch(() => {});
    for (const text of texts) offline.client.send({ conversationId }, text).catch(() => {});
    await offline.client.close();
  }

  it("a stored send has no timeout: an offline start longer than sendTimeoutMs keeps it", async () => {
    const storage = memoryStorage();
    const conversationId = await directWith(301, 302);
    await storeOffline(storage, 301, conversationId, ["kept"]);
    const later = clientOn(storage, 301, false, { sendTimeoutMs: 1, backoff: { initialMs: 20, maxMs: 20 } });
    expect((await later.client.restore()).sends.map((s) => s.content)).toEqual(["kept"]);
    let attempts = 0;
    later.client.on("state", (s) => {
      if (s === "connecting" || s === "reconnecting") attempts++;
    });
    later.client.connect().catch(() => {});
    // Three attempts, 20 ms apart: far past the 1 ms timeout.
    await waitUntil(() => attempts >= 3);
    expect(later.client.queuedSends().map((s) => s.content)).toEqual(["kept"]);
    await later.client.close();
    const back = clientOn(storage, 301, true);
    const restored = await back.client.restore();
    await back.client.connect();
    await Promise.all(restored.sends.map((s) => s.result));
    expect(await history(301, conversationId)).toEqual(["kept"]);
    await back.client.close();
  });

  it("a send made while connect() reads storage goes after the stored ones", async () => {
    const storage = memoryStorage();
    const conversationId = await directWith(311, 312);
    await storeOffline(storage, 311, conversationId, ["one", "two"]);
    const back = clientOn(storage, 311, true);
    const connected = back.client.connect();
    const three = back.client.send({ conversationId }, "three");
    await connected;
    await three;
    await waitUntil(async () => (await history(311, conversationId)).length === 3);
    expect(await history(311, conversationId)).toEqual(["one", "two", "three"]);
    await back.client.close();
  });

  it("close() then connect() on one client: what close() left stored goes before new sends", async () => {
    const storage = memoryStorage();
    const conversationId = await directWith(321, 322);
    network.down = true;
    const me = clientOn(storage, 321, true, { WebSocket: SwitchableSocket as never });
    me.client.connect().catch(() => {});
    me.client.send({ conversationId }, "old").catch(() => {});
    await me.client.close();
    network.down = false;
    const connected = me.client.connect();
    const fresh = me.client.send({ conversationId }, "new");
    await connected;
    await fresh;
    await waitUntil(async () => (await history(321, conversationId)).length === 2);
    expect(await history(321, conversationId)).toEqual(["old", "new"]);
    await me.client.close();
  });

  it("a write the storage refuses (a file too large for it) loses that send's record only", async () => {
    const path = join(dir, "refused.jsonl");
    const conversationId = await directWith(331, 332);
    const storage = fileStorage(path, { maxWriteBytes: 4096 });
    const offline = clientOn(storage, 331, false);
    const errors: string[] = [];
    offline.client.on("error", (e) => errors.push(e.code));
    offline.client.connect().catch(() => {});
    offline.client.send({ conversationId }, "small text").catch(() => {});
    offline.client.send({ conversationId }, "with a file", { attachments: [new Uint8Array(8000)] }).catch(() => {});
    await offline.client.close();
    await storage.close();
    expect(errors).toContain("storage");
    const reopened = fileStorage(path, { maxWriteBytes: 4096 });
    const later = clientOn(reopened, 331, false);
    expect((await later.client.restore()).sends.map((s) => s.content)).toEqual(["small text"]);
    await later.client.close();
    await reopened.close();
  });

  it("with userId given, another user's stored data is deleted before restore() returns it", async () => {
    const storage = memoryStorage();
    const conversationId = await directWith(341, 342);
    (await server.connect(343)).close();
    await storeOffline(storage, 341, conversationId, ["341's words"]);
    const other = clientOn(storage, 343, true, { userId: 343 });
    const restored = await other.client.restore();
    expect(restored.sends).toEqual([]);
    expect(await storage.read("o:")).toEqual([]);
    await other.client.connect();
    expect(await history(341, conversationId)).toEqual([]);
    await other.client.close();
  });

  it("without userId, stored files are uploaded only once ready says whose they are", async () => {
    const storage = memoryStorage();
    const conversationId = await directWith(351, 352);
    const first = clientOn(storage, 351, true);
    await first.client.connect();
    await first.client.close();
    const offline = clientOn(storage, 351, false);
    offline.client.connect().catch(() => {});
    offline.client.send({ conversationId }, "a file", { attachments: [new Uint8Array([1, 2, 3])] }).catch(() => {});
    await offline.client.close();
    const order: string[] = [];
    const back = clientOn(storage, 351, true, {
      fetch: (input, init) => {
        if (String(input).includes("/api/uploads")) order.push("upload");
        return fetch(input, init);
      },
    });
    back.client.on("state", (s) => {
      if (s === "open") order.push("ready");
    });
    const restored = await back.client.restore();
    await back.client.connect();
    await restored.sends[0]?.result;
    expect(order.slice(0, 2)).toEqual(["ready", "upload"]);
    await back.client.close();
  });

  it("a direct conversation's peer is remembered: stored {receiverId} sends keep their order with new ones", async () => {
    const storage = memoryStorage();
    for (const id of [361, 362]) (await server.connect(id)).close();
    const online = clientOn(storage, 361, true);
    await online.client.connect();
    const { conversationId } = await online.client.send({ receiverId: 362 }, "start");
    await online.client.close();
    const offline = clientOn(storage, 361, false);
    offline.client.connect().catch(() => {});
    offline.client.send({ receiverId: 362 }, "first", { attachments: [new Uint8Array(100_000)] }).catch(() => {});
    await offline.client.close();
    const back = clientOn(storage, 361, true);
    const restored = await back.client.restore();
    await back.client.connect();
    await back.client.send({ conversationId }, "second");
    await restored.sends[0]?.result;
    expect(await history(361, conversationId)).toEqual(["start", "first", "second"]);
    await back.client.close();
  });
});
