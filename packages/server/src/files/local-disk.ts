import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertKey, type FileStore, type StoredBytes } from "./file-store.js";

/**
 * Files on local disk under one folder (`UPLOAD_DIR`), one file per key, as uploaded. A file
 * is written under a temporary name beside its place, flushed to disk, then renamed into
 * place, so a reader never sees half a file and a crash leaves at most a `.tmp-…` file.
 */
export class LocalDiskStore implements FileStore {
  readonly kind = "disk";
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    assertKey(key);
    return join(this.root, key);
  }

  async put(key: string, body: Readable, _contentType: string): Promise<number> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.tmp-${randomUUID()}`;
    let written = 0;
    body.on("data", (chunk: Buffer) => {
      written += chunk.length;
    });
    try {
      await pipeline(body, createWriteStream(temporary, { flags: "wx", mode: 0o600 }));
      // Durable before it is announced: the rename must not outlive lost data.
      const handle = await open(temporary, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
      return written;
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<StoredBytes | undefined> {
    const path = this.pathOf(key);
    try {
      const { size } = await stat(path);
      return { body: createReadStream(path), size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  close(): void {}

  async ping(): Promise<boolean> {
    try {
      await mkdir(this.root, { recursive: true });
      return true;
    } catch {
      return false;
    }
  }
}
