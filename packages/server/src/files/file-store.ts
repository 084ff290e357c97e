import type { Readable } from "node:stream";

/** A stored file's bytes, streamed, with what the store knows of them. */
export interface StoredBytes {
  body: Readable;
  /** Bytes in the file. */
  size: number;
}

/**
 * Where uploaded files' bytes live: local disk (`local-disk.ts`) or an S3-compatible bucket
 * (`s3.ts`). Keys are chosen by the caller (`uploads/<id>` and `thumbnails/<id>`) and are
 * plain ASCII paths with `/`; the store never interprets them. Bytes go in and out as
 * streams, so no file is held in memory whole.
 */
export interface FileStore {
  /** Which engine, for logs and /ready: "disk" or "s3". */
  readonly kind: string;
  /**
   * Writes `body` under `key` and resolves with the bytes written once they are durable.
   * A key that exists is replaced. When `body` fails or is destroyed (the client went away, a
   * limit was hit), nothing is left under `key` and the promise rejects with that error.
   */
  put(key: string, body: Readable, contentType: string): Promise<number>;
  /** The bytes under `key`, or undefined when there are none. */
  get(key: string): Promise<StoredBytes | undefined>;
  /** Removes `key`; removing a key that is not there is not an error. */
  delete(key: string): Promise<void>;
  /** Resolves true when the store answers (for /ready). */
  ping(): Promise<boolean>;
  /** Lets go of pooled connections at shutdown (S3); nothing to do for local disk. */
  close(): void;
}

/** Keys are ours, never a client's: refuse anything that could step outside the store. */
export function assertKey(key: string): void {
  if (!/^[a-z0-9][a-z0-9/_.-]{0,199}$/.test(key) || key.includes("..") || key.includes("//") || key.endsWith("/")) {
    throw new Error(`not a file store key: ${JSON.stringify(key)}`);
  }
}
