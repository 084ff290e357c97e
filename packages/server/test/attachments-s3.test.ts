import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { Attachment } from "@chatapp/protocol";
import { createTestDatabase, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import S3rver from "s3rver";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BUCKET = "chatapp-attachments";

/**
 * The whole life of an attachment with S3_BUCKET set, against a real S3-compatible server
 * (s3rver on a local port): upload, send, read by members only, gone with its message. The
 * storage does not depend on the SQL dialect, so one database is enough here; the rules
 * themselves run on every dialect in uploads.test.ts and attachment-sends.test.ts.
 */
describe("attachments on S3 (s3rver)", () => {
  const s3Dir = mkdtempSync(join(tmpdir(), "chatapp-s3-attach-"));
  const s3 = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: s3Dir });
  let database: TestDatabase;
  let server: TestServer;
  const [A, B, C] = [5101, 5102, 5103];

  let admin: S3Client;
  /** The keys in the bucket, as S3 lists them. */
  const objects = async () =>
    ((await admin.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key).sort();

  beforeAll(async () => {
    const { port } = await s3.run();
    const endpoint = `http://127.0.0.1:${port}`;
    admin = new S3Client({
      region: "us-east-1",
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
    database = await createTestDatabase("sqlite");
    server = await startServer(database, {
      env: {
        S3_BUCKET: BUCKET,
        S3_ENDPOINT: endpoint,
        S3_ACCESS_KEY_ID: "S3RVER",
        S3_SECRET_ACCESS_KEY: "S3RVER",
        RATE_UPLOADS_PER_MINUTE: "0",
      },
    });
  });
  afterAll(async () => {
    admin?.destroy();
    await server?.stop();
    await database?.drop();
    await s3.close();
    rmSync(s3Dir, { recursive: true, force: true });
  });

  async function get(path: string, userId: number) {
    const res = await fetch(server.url + path, { headers: { authorization: `Bearer ${await server.token(userId)}` } });
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get("content-type") };
  }

  it("(R) uploads to the bucket, sends, serves members only, and deletes the objects with the message", async () => {
    for (const u of [A, B, C]) await server.http("/api/me", { userId: u });
    const bytes = await sharp({ create: { width: 640, height: 480, channels: 3, background: "#884422" } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append("file", new Blob([bytes]), "photo.png");
    const res = await fetch(`${server.url}/api/uploads`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${await server.token(A)}` },
    });
    expect(res.status).toBe(201);
    const attachment = (await res.json()) as Attachment;
    expect(attachment).toMatchObject({ content_type: "image/png", width: 640, height: 480, size: bytes.length });
    expect(await objects()).toEqual([`thumbnails/${attachment.id}`, `uploads/${attachment.id}`]);
    expect((await get(attachment.url, B)).status).toBe(404);

    const sent = await server.http("/api/conversations", { method: "POST", userId: A, json: { kind: "direct", user_id: B } });
    const message = await server.http(`/api/conversations/${sent.body.id}/messages`, {
      method: "POST",
      userId: A,
      json: { content: "", attachments: [attachment.id] },
    });
    expect(message.status).toBe(201);
    const file = await get(attachment.url, B);
    expect(file).toMatchObject({ status: 200, type: "image/png" });
    expect(file.bytes.equals(bytes)).toBe(true);
    expect((await get(attachment.thumbnail_url as string, B)).status).toBe(200);
    expect((await get(attachment.url, C)).status).toBe(404);

    expect((await server.http(`/api/messages/${message.body.id}`, { method: "DELETE", userId: A })).status).toBe(200);
    for (const u of [A, B]) expect((await get(attachment.url, u)).status).toBe(404);
    expect(await objects()).toEqual([]);
  });
});
