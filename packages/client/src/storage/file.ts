import { type FileHandle, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { SINGLE_OWNER, type StorageAdapter, type StorageChange } from "./adapter.js";
import { decodeWrite, encodeWrite, findBlobs } from "./file-codec.js";
import { acquireLock, errorCode, type FileLock } from "./file-lock.js";
import { applyChanges } from "./memory.js";

export interface FileStorageOptions {
  /** The log is compacted only once larger than this (bytes; default 1 MiB). */
  compactMinBytes?: number;
  /** Calls (writes, reads, clear) waiting their turn; one more rejects (default 1,000). */
  maxQueued?: number;
  /** The largest write, as its bytes (`Uint8Array`, `Blob`) and as its encoded line (default 64 MiB). */
  maxWriteBytes?: number;
}

/** The file adapter, with `open` to open it (and take its lock) before the first call. */
export interface FileStorage extends StorageAdapter {
  /** The log's absolute path. */
  readonly path: string;
  /** Opens the store; every other call opens it too. Rejects if another live process holds it. */
  open(): Promise<void>;
}

const MiB = 1024 * 1024;
// The log holds the user's messages and outbox: readable by its owner only.
const FILE_MODE = 0o600;

/**
 * A store for Node: a JSON-lines append log at `path` (see file-codec.ts for a line), replayed
 * into memory when opened; reads are served from memory. Each write is one line, appended and
 * fdatasync'ed before it resolves, so a crash keeps every acknowledged write; a line torn by a
 * crash was never acknowledged and is dropped on replay. The log is rewritten (compacted) once
 * it is over `compactMinBytes` and twice the live data. `<path>.lock` keeps it to one process.
 */
export function fileStorage(path: string, options: FileStorageOptions = {}): FileStorage {
  return new FileLogStorage(resolve(path), {
    compactMinBytes: whole("compactMinBytes", options.compactMinBytes ?? MiB, 0),
    maxQueued: whole("maxQueued", options.maxQueued ?? 1000, 1),
    maxWriteBytes: whole("maxWriteBytes", options.maxWriteBytes ?? 64 * MiB, 1),
  });
}

function whole(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`fileStorage: ${name} must be a whole number >= ${min} (got ${value})`);
  return value;
}

const encoder = new TextEncoder();
// Fatal: a log that is not UTF-8 was not written by this adapter, and is refused rather than mended.
const decoder = new TextDecoder("utf-8", { fatal: true });

class FileLogStorage implements FileStorage {
  readonly owners = SINGLE_OWNER;
  private readonly records = new Map<string, unknown>();
  private opening: Promise<void> | undefined;
  private lock: FileLock | undefined;
  private log: FileHandle | undefined;
  /** The log's length: everything up to here is whole lines. */
  private size = 0;
  /** The live data's size as a compacted log, when last measured (0: not yet). */
  private live = 0;
  /** Every call runs after the previous one: writes append in call order, reads see them. */
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private closing: Promise<void> | undefined;
  /** Set when the log may no longer match memory (a failed fsync): every later write fails. */
  private broken: unknown;

  constructor(
    readonly path: string,
    private readonly limits: Required<FileStorageOptions>,
  ) {}

  open(): Promise<void> {
    if (this.closing) return Promise.reject(this.closedError());
    return this.opened();
  }

  read(prefix: string): Promise<[string, unknown][]> {
    return this.enqueue(async () => {
      const found = [...this.records].filter(([key]) => key.startsWith(prefix));
      found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return found;
    });
  }

  write(changes: readonly StorageChange[]): Promise<void> {
    return this.enqueue(() => this.append(changes));
  }

  clear(): Promise<void> {
    return this.enqueue(async () => {
      const log = this.writable();
      // Truncated rather than logged as a deletion: after logging out, the file holds none of the user's data.
      await this.durably(async () => {
        await log.truncate(0);
        await log.datasync();
      });
      this.records.clear();
      this.size = 0;
      this.live = 0;
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Until nothing is left: a write may queue a compaction behind the calls seen here.
      for (let seen = this.tail; ; seen = this.tail) {
        await seen;
        if (seen === this.tail) break;
      }
      const opened = await this.opening?.then(
        () => true,
        () => false,
      );
      if (!opened) return;
      try {
        await this.log?.close();
      } finally {
        await this.lock?.release();
      }
    })();
    return this.closing;
  }

  private opened(): Promise<void> {
    if (!this.opening) {
      this.opening = this.load();
      // A failed open (a busy lock) may be retried by the next call.
      this.opening.catch(() => (this.opening = undefined));
    }
    return this.opening;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(this.closedError());
    if (this.queued >= this.limits.maxQueued)
      return Promise.reject(new Error(`file storage ${this.path}: ${this.queued} calls already queued`));
    this.queued++;
    const run = this.tail.then(async () => {
      await this.opened();
      return task();
    });
    this.tail = run.then(
      () => {},
      () => {},
    );
    return run.finally(() => this.queued--);
  }

  private async load(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const lock = await acquireLock(`${this.path}.lock`, this.path);
    try {
      // A compaction cut short by a crash: the log itself is whole (the rename never happened).
      await rm(`${this.path}.tmp`, { force: true });
      let content: Buffer | undefined;
      try {
        content = await readFile(this.path);
      } catch (err) {
        if (errorCode(err) !== "ENOENT") throw err;
      }
      const whole = content ? this.replay(content) : 0;
      const log = await open(this.path, "a", FILE_MODE);
      try {
        if (!content) await syncDirectory(dirname(this.path));
        if (content && whole < content.length) {
          // A torn last line: cut off, or the next append would continue it.
          await log.truncate(whole);
          await log.datasync();
        }
      } catch (err) {
        await log.close();
        throw err;
      }
      this.size = whole;
      this.live = 0;
      this.log = log;
      this.lock = lock;
    } catch (err) {
      this.records.clear();
      await lock.release();
      throw err;
    }
  }

  /** Applies the log's whole lines to memory; returns their length (the rest is a torn line). */
  private replay(content: Buffer): number {
    let start = 0;
    for (let line = 1; ; line++) {
      const end = content.indexOf(10, start);
      if (end === -1) return start;
      let changes: StorageChange[];
      try {
        changes = decodeWrite(decoder.decode(content.subarray(start, end)));
      } catch (err) {
        // A whole line was fsynced by a write that resolved: losing it would lose data silently.
        throw new Error(`file storage ${this.path}: line ${line} is not a valid write (${(err as Error).message})`, {
          cause: err,
        });
      }
      applyChanges(this.records, changes);
      start = end + 1;
    }
  }

  private async append(changes: readonly StorageChange[]): Promise<void> {
    const log = this.writable();
    const blobs = new Map<Blob, Uint8Array>();
    let blobBytes = 0;
    for (const blob of findBlobs(changes)) {
      // Checked before reading them into memory.
      blobBytes += blob.size;
      if (blobBytes > this.limits.maxWriteBytes) throw this.tooLarge(blobBytes);
      blobs.set(blob, new Uint8Array(await blob.arrayBuffer()));
    }
    const { line, bytes } = encodeWrite(changes, blobs);
    if (bytes > this.limits.maxWriteBytes) throw this.tooLarge(bytes);
    const data = encoder.encode(`${line}\n`);
    if (data.length > this.limits.maxWriteBytes) throw this.tooLarge(data.length);
    // Memory gets what a replay will give (blobs as bytes, copies of the values), not the
    // caller's objects: a read returns the same before and after a restart. Decoded before
    // the append, so that no line the replay would refuse ever reaches the log.
    const applied = decodeWrite(line);
    try {
      await writeAll(log, data);
    } catch (err) {
      // A partial line (a full disk) is cut off so that the next append starts a line.
      await this.durably(() => log.truncate(this.size));
      throw err;
    }
    await this.durably(() => log.datasync());
    this.size += data.length;
    applyChanges(this.records, applied);
    if (this.size > this.limits.compactMinBytes && this.size > 2 * this.live) {
      // Queued behind the calls already waiting: this write resolves without waiting for the rewrite.
      this.tail = this.tail.then(() => this.compact().catch(() => {}));
    }
  }

  /**
   * Rewrites the log as one put per live record, if that halves it: to `<path>.tmp`, synced,
   * renamed over the log (atomic: a crash leaves the old log or the new one), then the
   * directory synced so that the rename survives a power cut. A failure leaves the old log in
   * use, and is retried once the log has doubled again.
   */
  private async compact(): Promise<void> {
    if (this.broken !== undefined || !this.log) return;
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (const [key, value] of this.records) {
      const chunk = encoder.encode(`${encodeWrite([{ op: "put", key, value }], new Map()).line}\n`);
      chunks.push(chunk);
      total += chunk.length;
    }
    this.live = total;
    if (2 * total > this.size) return;
    const tmp = `${this.path}.tmp`;
    await rm(tmp, { force: true });
    const next = await open(tmp, "ax", FILE_MODE);
    try {
      for (const chunk of chunks) await writeAll(next, chunk);
      await next.sync();
      await rename(tmp, this.path);
    } catch (err) {
      await next.close();
      await rm(tmp, { force: true });
      throw err;
    }
    const old = this.log;
    this.log = next;
    this.size = total;
    // The old log is already replaced: failing to close its handle loses nothing.
    await old.close().catch(() => {});
    await this.durably(() => syncDirectory(dirname(this.path)));
  }

  private writable(): FileHandle {
    if (this.broken !== undefined)
      throw new Error(`file storage ${this.path}: an earlier write failed to reach the disk`, { cause: this.broken });
    if (!this.log) throw this.closedError();
    return this.log;
  }

  /** Runs a step whose failure leaves the log in an unknown state: then no later write is trusted. */
  private async durably<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      this.broken = err;
      throw err;
    }
  }

  private tooLarge(bytes: number): Error {
    return new RangeError(
      `file storage ${this.path}: a write of ${bytes} bytes is over maxWriteBytes (${this.limits.maxWriteBytes})`,
    );
  }

  private closedError(): Error {
    return new Error(`file storage ${this.path} is closed`);
  }
}

/** FileHandle.write may write less than asked; appends until all of `data` is in. */
async function writeAll(handle: FileHandle, data: Uint8Array): Promise<void> {
  for (let offset = 0; offset < data.length; ) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    if (bytesWritten === 0) throw new Error("file storage: the file system accepted no bytes");
    offset += bytesWritten;
  }
}

/** Makes a file's creation or a rename durable. Windows cannot open a directory: there it is skipped. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (err) {
    const code = errorCode(err);
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL") throw err;
  } finally {
    await handle?.close();
  }
}
