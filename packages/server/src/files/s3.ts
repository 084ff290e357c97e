import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { S3Config } from "../config.js";
import { assertKey, type FileStore, type StoredBytes } from "./file-store.js";

/** Timings and sizes of the S3 store; the defaults suit a bucket in the same region. */
export interface S3StoreOptions {
  /** Longest wait for a connection to the S3 server. */
  connectionTimeoutMs: number;
  /** Longest silence on an open request (no byte sent or received) before it is dropped. */
  requestTimeoutMs: number;
  /** Tries per request, the first included; the SDK spaces them with jittered backoff. */
  maxAttempts: number;
  /** Longest wait for `ping()` as a whole. */
  pingTimeoutMs: number;
  /**
   * Bytes of one multipart part (5 MiB is S3's least). An upload holds at most
   * `partBytes × (queueSize + 1)` in memory, whatever the file's size.
   */
  partBytes: number;
  /** Parts sent at once. */
  queueSize: number;
}

const DEFAULTS: S3StoreOptions = {
  connectionTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  maxAttempts: 3,
  pingTimeoutMs: 5_000,
  partBytes: 5 * 1024 * 1024,
  queueSize: 2,
};

/**
 * Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, s3rver in tests), one object per
 * key. Uploads stream through `@aws-sdk/lib-storage`: a file smaller than one part is one
 * PutObject, a larger one a multipart upload of parts sent as they fill, so memory stays
 * bounded by the part size, not the file's. A multipart upload shows nothing under its key
 * until it completes, and is aborted when the body fails, so a failed put leaves no object.
 */
export class S3Store implements FileStore {
  readonly kind = "s3";
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly options: S3StoreOptions;

  constructor(config: S3Config, options: Partial<S3StoreOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.bucket = config.bucket;
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      // Without keys the SDK's own chain applies (environment, profile, instance role).
      credentials:
        config.accessKeyId !== undefined && config.secretAccessKey !== undefined
          ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
          : undefined,
      maxAttempts: this.options.maxAttempts,
      // Checksums only where S3 requires them: the SDK's newer default (CRC32 headers on
      // every upload) is refused by some S3-compatible servers (older MinIO, Ceph, others).
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      requestHandler: {
        connectionTimeout: this.options.connectionTimeoutMs,
        requestTimeout: this.options.requestTimeoutMs,
      },
    });
  }

  async put(key: string, body: Readable, contentType: string): Promise<number> {
    assertKey(key);
    let written = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        done(null, chunk);
      },
    });
    // A failing body destroys `counted` with its error, which ends the upload with it.
    const feeding = pipeline(body, counted);
    feeding.catch(() => undefined); // awaited below; never an unhandled rejection
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: counted, ContentType: contentType },
      partSize: this.options.partBytes,
      queueSize: this.options.queueSize,
      leavePartsOnError: false,
    });
    const done = upload.done();
    try {
      await Promise.all([done, feeding]);
      return written;
    } catch (err) {
      // Whichever failed first: stop the other (a failed upload no longer reads the body,
      // which would otherwise wait for ever). `done` settles only once lib-storage has sent
      // AbortMultipartUpload for the parts already stored (`upload.abort()` would settle it
      // at once and leave that for later), so nothing is left when this rejects.
      counted.destroy(err as Error);
      body.destroy();
      await Promise.allSettled([done, feeding]);
      throw err;
    }
  }

  async get(key: string): Promise<StoredBytes | undefined> {
    assertKey(key);
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = answer.Body as Readable | undefined;
      if (body === undefined) return undefined;
      return { body, size: answer.ContentLength ?? 0 };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    // S3 answers 204 for a key that is not there as well.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async ping(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), {
        abortSignal: AbortSignal.timeout(this.options.pingTimeoutMs),
      });
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the client's pooled connections. */
  close(): void {
    this.client.destroy();
  }
}

function isMissing(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  // A missing bucket is a fault to report, not a missing file.
  return e.name === "NoSuchKey" || (e.$metadata?.httpStatusCode === 404 && e.name !== "NoSuchBucket");
}
