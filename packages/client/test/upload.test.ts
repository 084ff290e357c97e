import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatClientError } from "@chatapp/client";
import type { Attachment } from "@chatapp/protocol";
import { createTestDatabase, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClient, waitUntil } from "./helpers.js";

describe("ChatClient.upload against the server", () => {
  const dir = mkdtempSync(join(tmpdir(), "chatapp-client-uploads-"));
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database, { env: { UPLOAD_DIR: dir, UPLOAD_MAX_BYTES: String(256 * 1024) } });
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("uploads a Buffer with a name and reports progress: the typed attachment, the bytes downloadable", async () => {
    const { client } = testClient(server, 51);
    const png = await sharp({ create: { width: 64, height: 32, channels: 3, background: "#0a0" } })
      .png()
      .toBuffer();
    const progress: { loaded: number; total: number }[] = [];
    const attachment: Attachment = await client.upload(png, { name: "dir/pic.png", onProgress: (p) => progress.push(p) });
    expect(attachment).toMatchObject({ name: "pic.png", content_type: "image/png", size: png.length, width: 64, height: 32 });
    expect(attachment.url).toBe(`/api/uploads/${attachment.id}`);
    expect(attachment.thumbnail_url).toBe(`/api/uploads/${attachment.id}/thumbnail`);
    // Node has no XMLHttpRequest: the start and the end.
    expect(progress).toEqual([
      { loaded: 0, total: png.length },
      { loaded: png.length, total: png.length },
    ]);
    const res = await fetch(server.url + attachment.url, { headers: { authorization: `Bearer ${await server.token(51)}` } });
    expect(Buffer.from(await res.arrayBuffer())).toEqual(png);
    client.close();
  });

  it("uploads a Blob under its default name, and refuses with typed errors", async () => {
    const { client } = testClient(server, 52);
    const text = await client.upload(new Blob(["hello"]));
    expect(text).toMatchObject({ name: "file", content_type: "text/plain; charset=utf-8", size: 5 });

    const tooLarge = await client.upload(new Uint8Array(256 * 1024 + 1)).catch((e: unknown) => e);
    expect(tooLarge).toBeInstanceOf(ChatClientError);
    expect(tooLarge).toMatchObject({ code: "too_large", status: 413 });

    const empty = await client.upload(new Uint8Array(0)).catch((e: unknown) => e);
    expect(empty).toMatchObject({ code: "invalid_request", status: 400 });

    const controller = new AbortController();
    controller.abort();
    const cancelled = await client.upload(new Blob(["x"]), { signal: controller.signal }).catch((e: unknown) => e);
    expect(cancelled).toMatchObject({ code: "cancelled" });
    client.close();
  });

  it("the sender's own copy of a message carries its attachments, given as objects or as ids", async () => {
    const { client, received } = testClient(server, 53);
    // The recipient exists once it has connected (a user known by its token).
    const { client: recipient } = testClient(server, 54);
    await recipient.connect();
    await client.connect();
    const first = await client.upload(new Blob(["one"]), { name: "one.txt" });
    const second = await client.upload(new Blob(["two"]), { name: "two.txt" });
    const byObject = await client.send({ receiverId: 54 }, "", { attachments: [first] });
    const byId = await client.send({ conversationId: byObject.conversationId }, "by id", { attachments: [second.id] });
    await waitUntil(() => (received.get(byObject.conversationId)?.length ?? 0) === 2);
    const [own, fetched] = received.get(byObject.conversationId) ?? [];
    expect(own).toMatchObject({ seq: byObject.seq, content: "", attachments: [first] });
    // By id, the client knew only the number: the stored message is fetched, with the file's details.
    expect(fetched).toMatchObject({
      seq: byId.seq,
      content: "by id",
      attachments: [{ id: second.id, name: "two.txt", size: 3 }],
    });
    client.close();
  });
});
