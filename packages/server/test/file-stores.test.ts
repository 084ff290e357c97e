import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import type { IncomingMessage, Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import type { FileStore } from "../src/files/file-store.js";
import { openFileStore } from "../src/files/index.js";
import { LocalDiskStore } from "../src/files/local-disk.js";
import { S3Store } from "../src/files/s3.js";

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

/**
 * `total` bytes in 64 KiB chunks made as they are read (never all in memory), each chunk
 * different; with `failAt`, the stream errors once that many bytes have gone out.
 */
function bytes(total: number, options: { failAt?: number; seed?: number } = {}): { stream: Readable; sha256: () => string } {
  const hash = createHash("sha256");
  const seed = options.seed ?? 1;
  function* chunks() {
    for (let sent = 0, n = 0; sent < total; n++) {
      if (options.failAt !== undefined && sent >= options.failAt) throw new Error("the client went away");
      const size = Math.min(CHUNK, total - sent);
      const chunk = Buffer.alloc(size, (n * 31 + seed) & 0xff);
      chunk.writeUInt32BE(n, 0);
      hash.update(chunk);
      sent += size;
      yield chunk;
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), sha256: () => hash.digest("hex") };
}

async function digest(body: Readable): Promise<{ sha256: string; length: number }> {
  const hash = createHash("sha256");
  let length = 0;
  for await (const chunk of body) {
    hash.update(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), length };
}

interface Engine {
  name: string;
  open(): Promise<{ store: FileStore; leftovers(): string[]; close(): Promise<void> }>;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

const engines: Engine[] = [
  {
    name: "local disk",
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "chatapp-files-"));
      return {
        store: new LocalDiskStore(dir),
        leftovers: () => filesUnder(dir),
        close: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "S3 (s3rver)",
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "chatapp-s3rver-"));
      const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir });
      const { port } = await server.run();
      const config = {
        bucket: "chatapp-files",
        endpoint: `http://127.0.0.1:${port}`,
        region: "us-east-1",
        accessKeyId: "S3RVER",
        secretAccessKey: "S3RVER",
        forcePathStyle: true,
      };
      const admin = new S3Client({
        region: config.region,
        endpoint: config.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
      });
      await admin.send(new CreateBucketCommand({ Bucket: config.bucket }));
      admin.destroy();
      // Multipart uploads the store aborted. s3rver 3.7 keeps parts under
      // <bucket>/._S3rver_uploads/<id>/ and answers AbortMultipartUpload (DELETE ?uploadId=)
      // with 405, as it has no such operation, so an aborted upload's parts count as gone once
      // the store has asked for it; AWS S3, MinIO and the like delete them.
      const aborted = new Set<string>();
      (server as unknown as { httpServer: Server }).httpServer.on("request", (req: IncomingMessage) => {
        const id = new URL(req.url ?? "/", "http://s3").searchParams.get("uploadId");
        if (req.method === "DELETE" && id !== null) aborted.add(id);
      });
      const store = new S3Store(config);
      return {
        store,
        // s3rver keeps each object as files under <dir>/<bucket>/.
        leftovers: () =>
          filesUnder(join(dir, config.bucket)).filter((f) => !aborted.has(/^\._S3rver_uploads\/([^/]+)\//.exec(f)?.[1] ?? "")),
        close: async () => {
          store.close();
          await server.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

describe.each(engines)("file store: $name", (engine) => {
  let store: FileStore;
  let opened: Awaited<ReturnType<Engine["open"]>>;

  beforeAll(async () => {
    opened = await engine.open();
    store = opened.store;
  });
  afterAll(async () => {
    await opened?.close();
  });

  it("streams a few MiB in and out, with their size", async () => {
    const source = bytes(6 * MiB + 12_345);
    expect(await store.put("uploads/1", source.stream, "application/octet-stream")).toBe(6 * MiB + 12_345);
    const stored = await store.get("uploads/1");
    expect(stored?.size).toBe(6 * MiB + 12_345);
    expect(await digest(stored?.body as Readable)).toEqual({ sha256: source.sha256(), length: 6 * MiB + 12_345 });
  });

  it("keeps a small file and replaces a key that exists", async () => {
    await store.put("thumbnails/2", Readable.from([Buffer.from("first")]), "image/png");
    await store.put("thumbnails/2", Readable.from([Buffer.from("second!")]), "image/png");
    const stored = await store.get("thumbnails/2");
    expect(stored?.size).toBe(7);
    expect((await digest(stored?.body as Readable)).length).toBe(7);
  });

  it("answers undefined for a key that is not there", async () => {
    expect(await store.get("uploads/404")).toBeUndefined();
  });

  it("deletes, and a deleted or missing key is no error", async () => {
    await store.put("uploads/3", bytes(1000).stream, "text/plain; charset=utf-8");
    await store.delete("uploads/3");
    expect(await store.get("uploads/3")).toBeUndefined();
    await store.delete("uploads/3");
    await store.delete("uploads/never-there");
  });

  it("leaves nothing under the key when the body fails part way, and rejects", async () => {
    // Small (one request) and large (past one 5 MiB part: a multipart upload to abort).
    for (const [key, total, failAt] of [
      ["uploads/4", MiB, 256 * 1024],
      ["uploads/5", 12 * MiB, 7 * MiB],
    ] as const) {
      const before = opened.leftovers();
      await expect(store.put(key, bytes(total, { failAt }).stream, "application/octet-stream")).rejects.toThrow(
        /the client went away/,
      );
      expect(await store.get(key)).toBeUndefined();
      expect(opened.leftovers()).toEqual(before);
    }
  });

  it("refuses keys that could step outside the store", async () => {
    for (const key of ["../x", "uploads/../../x", "/etc/passwd", "uploads//x", "Uploads/1", ""]) {
      await expect(store.put(key, bytes(10).stream, "text/plain")).rejects.toThrow(/not a file store key/);
      await expect(store.get(key)).rejects.toThrow(/not a file store key/);
      await expect(store.delete(key)).rejects.toThrow(/not a file store key/);
    }
  });

  it("answers ping", async () => {
    expect(await store.ping()).toBe(true);
  });

  it("measures: RSS growth while 25 MiB streams in (printed, not asserted)", async () => {
    const rss = () => process.memoryUsage().rss;
    const start = rss();
    let peak = start;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss());
    }, 5);
    const began = performance.now();
    try {
      expect(await store.put("uploads/25mib", bytes(25 * MiB, { seed: 7 }).stream, "application/octet-stream")).toBe(25 * MiB);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rss());
    const ms = performance.now() - began;
    console.log(
      `[file-stores] ${engine.name}: 25 MiB put in ${ms.toFixed(0)} ms; RSS ${(start / MiB).toFixed(1)} MiB -> peak ${(peak / MiB).toFixed(1)} MiB (+${((peak - start) / MiB).toFixed(1)} MiB)`,
    );
    await store.delete("uploads/25mib");
  });
});

describe("openFileStore", () => {
  it("opens the bucket when S3_BUCKET is set, else the upload folder", () => {
    const config = loadConfig({ UPLOAD_DIR: "/tmp/chatapp-uploads" }).files;
    expect(openFileStore(config)).toBeInstanceOf(LocalDiskStore);
    const s3 = openFileStore(loadConfig({ S3_BUCKET: "chat-files", S3_ENDPOINT: "http://127.0.0.1:1" }).files);
    expect(s3).toBeInstanceOf(S3Store);
    expect(s3.kind).toBe("s3");
    (s3 as S3Store).close();
  });
});

describe("S3 store that cannot answer", () => {
  it("pings false for a bucket that is not there and for a server that is not there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chatapp-s3rver-"));
    const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir });
    const { port } = await server.run();
    const config = {
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
    };
    const noBucket = new S3Store({ ...config, bucket: "not-there" }, { maxAttempts: 1 });
    try {
      expect(await noBucket.ping()).toBe(false);
      // A missing bucket is a fault, not a missing file.
      await expect(noBucket.get("uploads/1")).rejects.toThrow();
    } finally {
      noBucket.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const noServer = new S3Store({ ...config, bucket: "not-there" }, { maxAttempts: 1, pingTimeoutMs: 2_000 });
    try {
      expect(await noServer.ping()).toBe(false);
    } finally {
      noServer.close();
    }
  });
});
