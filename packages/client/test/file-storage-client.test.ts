import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileStorage } from "@chatapp/client";
import type { ConversationMessagesResponse } from "@chatapp/protocol";
import { createTestDatabase, deadPort, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClient } from "./helpers.js";

describe("the ChatClient on the file adapter", () => {
  let dir: string;
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "chatapp-file-client-"));
    database = await createTestDatabase("sqlite");
    server = await startServer(database, { env: { UPLOAD_DIR: join(dir, "uploads"), UPLOAD_MAX_BYTES: String(64 * 1024) } });
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("sends what was sent offline, files included, once and in order, after the store is reopened from disk", async () => {
    const path = join(dir, "bot", "chat.jsonl");
    for (const id of [61, 62]) (await server.connect(id)).close();
    const first = testClient(server, 61);
    await first.client.connect();
    const { conversationId } = await first.client.send({ receiverId: 62 }, "start");
    first.client.close();

    const offlinePort = await deadPort();
    const storage = fileStorage(path);
    const offline = testClient(server, 61, {
      storage,
      url: `ws://127.0.0.1:${offlinePort}/ws`,
      httpUrl: `http://127.0.0.1:${offlinePort}`,
    });
    offline.client.connect().catch(() => {});
    const sends = [
      offline.client.send({ conversationId }, "one"),
      offline.client.send({ conversationId }, "two, with bytes", { attachments: [new Uint8Array([1, 2, 3])] }),
      offline.client.send({ conversationId }, "three, with a blob", {
        attachments: [new Blob(["hello"], { type: "text/plain" })],
      }),
    ];
    for (const s of sends) s.catch(() => {});
    // close() resolves once the outbox is written: the store may be closed then.
    await offline.client.close();
    await Promise.allSettled(sends);
    expect(await readFile(path, "utf8")).toContain("three, with a blob");
    await storage.close();

    const back = testClient(server, 61, { storage: fileStorage(path) });
    const restored = await back.client.restore();
    expect(restored.sends.map((s) => s.content)).toEqual(["one", "two, with bytes", "three, with a blob"]);
    expect(restored.sends.map((s) => s.uploads.map((f) => f.size))).toEqual([[], [3], [5]]);
    await back.client.connect();
    await Promise.all(restored.sends.map((s) => s.result));

    const res = await fetch(`${server.url}/api/conversations/${conversationId}/messages?limit=100`, {
      headers: { authorization: `Bearer ${await server.token(62)}` },
    });
    const { messages } = (await res.json()) as ConversationMessagesResponse;
    expect(messages.map((m) => m.content)).toEqual(["start", "one", "two, with bytes", "three, with a blob"]);
    expect(messages.map((m) => (m.attachments ?? []).map((a) => a.size))).toEqual([[], [], [3], [5]]);
    await back.client.clearLocalData();
    // clearLocalData closed the store and released its lock; the file holds nothing.
    expect(await readFile(path, "utf8")).toBe("");
    await expect(readFile(`${path}.lock`)).rejects.toThrow("ENOENT");
  });
});
