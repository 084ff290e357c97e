import { pipeline, Readable, Transform, type TransformCallback } from "node:stream";
import type { Attachment } from "@chatapp/protocol";
import { fileTypeFromBuffer } from "file-type";
import sharp, { type Metadata } from "sharp";
import type { FileStore } from "../files/file-store.js";
import { sanitizeFileName } from "../lib/file-name.js";
import { RateLimiter } from "../lib/rate-limiter.js";
import { Semaphore } from "../lib/semaphore.js";
import { attachmentOf } from "../store/attachment-of.js";
import type { UploadRow } from "../store/schema.js";
import type { UploadsRepo } from "../store/uploads-repo.js";
import type { ConversationCache } from "./conversation-cache.js";
import { ChatError } from "./errors.js";

export interface UploadOptions {
  /** Largest file accepted (UPLOAD_MAX_BYTES). */
  maxBytes: number;
  /** Uploads a user may start per minute (also the burst); 0 turns the budget off. */
  perMinute: number;
  /** Bytes one user may keep stored (UPLOAD_QUOTA_BYTES); 0 turns the quota off. */
  quotaBytes: number;
  /** Unsent uploads older than this are removed (24 h). */
  unsentTtlMs?: number;
  /** How often the sweeper looks for them (10 minutes), and how many it removes per pass (100). */
  sweepIntervalMs?: number;
  sweepBatch?: number;
}

/** Images bigger than this are neither decoded nor thumbnailed (a decompression bomb guard). */
export const MAX_IMAGE_PIXELS = 50_000_000;
/** A thumbnail fits in this square; it is never larger than the original. */
export const THUMBNAIL_SIZE = 320;
/** Bytes looked at to recognise a type. */
const SNIFF_BYTES = 4100;
/** Images decoded at once (each may hold its whole file and its pixels in memory). */
const IMAGE_WORKERS = 2;
/** Longest a decode may take before the image is taken for an ordinary file. */
const DECODE_TIMEOUT_SECONDS = 20;

/** Types given as detected; anything else is application/octet-stream (or UTF-8 text). */
const KNOWN_TYPES = new Set([
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
  "application/pdf",
  "video/mp4",
  "video/webm",
  "audio/mpeg",
  "audio/ogg",
  "application/zip",
]);
/** Shown in the page (`inline`) and thumbnailed; every other type is a download (`attachment`). */
export const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
export const TEXT_TYPE = "text/plain; charset=utf-8";
export const OCTET_STREAM = "application/octet-stream";
const THUMBNAIL_TYPE = "image/webp";

const fileKey = (id: number) => `uploads/${id}`;
const thumbnailKey = (id: number) => `thumbnails/${id}`;
/** The image as served when the original carries metadata: turned upright, without it. */
const strippedKey = (id: number) => `stripped/${id}`;

/** A stored upload's bytes, ready to be served. */
export interface Download {
  body: Readable;
  size: number;
  contentType: string;
  name: string;
  /** Shown in the page (images) rather than downloaded. */
  inline: boolean;
}

/**
 * Counts the bytes going by, fails past `limit`, keeps the first SNIFF_BYTES and checks
 * whether everything is well-formed UTF-8 text (no NUL).
 */
class Inspector extends Transform {
  size = 0;
  head = Buffer.alloc(0);
  utf8 = true;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });

  constructor(
    private readonly limit: number,
    private readonly tooLarge: () => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.limit) {
      callback(this.tooLarge());
      return;
    }
    if (this.head.length < SNIFF_BYTES) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, SNIFF_BYTES - this.head.length)]);
    }
    if (this.utf8) {
      try {
        if (chunk.includes(0)) this.utf8 = false;
        else this.decoder.decode(chunk, { stream: true });
      } catch {
        this.utf8 = false;
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.utf8) {
      try {
        this.decoder.decode();
      } catch {
        this.utf8 = false;
      }
    }
    callback();
  }
}

/**
 * Why storing failed, as the client should hear it: a refusal of ours (too large) or of the
 * form parser (with its status) as it is; any other failure of the body means the form did not
 * arrive whole (400); a failure of the store itself is passed on.
 */
function bodyFailure(bodyError: unknown, storeError: unknown): unknown {
  const err = bodyError ?? storeError;
  if (err instanceof ChatError || typeof (err as { statusCode?: unknown }).statusCode === "number") return err;
  if (bodyError === undefined) return storeError;
  return new ChatError("invalid_request", `the file did not arrive whole: ${(bodyError as Error).message ?? String(bodyError)}`);
}

/** Text a browser could take for markup (HTML, SVG, XML) even when told it is text. */
function looksLikeMarkup(head: Buffer): boolean {
  return /^\uFEFF?\s*</.test(head.toString("utf8"));
}

/**
 * Uploads (issue 15, contract §3): files streamed to the file store with their size counted
 * and bounded, their type recognised from the bytes, images measured and thumbnailed; who may
 * read them; and the sweep of uploads never sent.
 */
export class Uploads {
  private readonly budget: RateLimiter<number>;
  private readonly images = new Semaphore(IMAGE_WORKERS);
  private readonly unsentTtlMs: number;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly repo: UploadsRepo,
    private readonly files: FileStore,
    private readonly conversations: ConversationCache,
    private readonly options: UploadOptions,
  ) {
    this.budget = new RateLimiter(options.perMinute / 60, Math.max(1, options.perMinute));
    this.unsentTtlMs = options.unsentTtlMs ?? 24 * 3600 * 1000;
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /**
   * Stores one file sent by `uploaderId` and answers its attachment. Nothing is left stored
   * when it fails (too large, empty, the client went away).
   */
  async upload(uploaderId: number, body: Readable, clientName: string | undefined): Promise<Attachment> {
    // Before anything is awaited: the body may fail (a malformed form, the client gone) while
    // the row is written, and that must be seen, not waited on.
    let bodyError: unknown;
    body.on("error", (err) => {
      bodyError ??= err;
    });
    if (!this.budget.take(uploaderId)) {
      body.resume();
      throw ChatError.rateLimited("too many uploads", this.budget.retryAfterMs(uploaderId));
    }
    let limit = this.options.maxBytes;
    let overQuota = false;
    if (this.options.quotaBytes > 0) {
      const left = this.options.quotaBytes - (await this.repo.bytesOf(uploaderId));
      if (left < limit) {
        limit = Math.max(0, left);
        overQuota = true;
      }
    }
    const tooLarge = () =>
      overQuota && limit < this.options.maxBytes
        ? new ChatError("too_large", `the file does not fit in your storage quota (UPLOAD_QUOTA_BYTES, ${limit} bytes left)`)
        : new ChatError("too_large", `the file is larger than ${this.options.maxBytes} bytes (UPLOAD_MAX_BYTES)`);
    const name = sanitizeFileName(clientName);
    const id = await this.repo.begin(uploaderId, name, Date.now());
    const inspector = new Inspector(limit, tooLarge);
    let stored = false;
    try {
      // pipeline() also fails at once when the body failed already.
      pipeline(body, inspector, (err) => {
        if (err) inspector.destroy(err);
      });
      try {
        await this.files.put(fileKey(id), inspector, OCTET_STREAM);
      } catch (err) {
        throw bodyFailure(bodyError ?? (body.errored ? body.errored : undefined), err);
      }
      stored = true;
      if (inspector.size === 0) throw new ChatError("invalid_request", "the file is empty");
      let contentType = await this.sniff(inspector);
      let width: number | null = null;
      let height: number | null = null;
      let hasThumbnail = false;
      let hasStripped = false;
      if (IMAGE_TYPES.has(contentType)) {
        const image = await this.images.run(() => this.examineImage(id, inspector.size));
        if (image) ({ width, height, hasThumbnail, hasStripped } = image);
        else contentType = OCTET_STREAM;
      }
      const facts = { name, contentType, size: inspector.size, width, height, hasThumbnail, hasStripped };
      await this.repo.finish(id, facts);
      return attachmentOf({ id, ...facts });
    } catch (err) {
      await this.removeQuietly(id, stored);
      throw err;
    }
  }

  /** The type from the first bytes: a known one, UTF-8 text, or application/octet-stream. */
  private async sniff(inspector: Inspector): Promise<string> {
    const detected = await fileTypeFromBuffer(inspector.head).catch(() => undefined);
    if (detected && KNOWN_TYPES.has(detected.mime)) return detected.mime;
    if (!detected && inspector.utf8 && !looksLikeMarkup(inspector.head)) return TEXT_TYPE;
    return OCTET_STREAM;
  }

  /**
   * Width and height as shown (EXIF orientation applied) and, up to MAX_IMAGE_PIXELS, a
   * thumbnail without metadata, and for an original that carries metadata (EXIF, GPS, XMP,
   * IPTC) a copy without it to serve in its place. Undefined when the image cannot be decoded.
   */
  private async examineImage(
    id: number,
    size: number,
  ): Promise<{ width: number; height: number; hasThumbnail: boolean; hasStripped: boolean } | undefined> {
    const stored = await this.files.get(fileKey(id));
    if (!stored) return undefined;
    // Bounded by UPLOAD_MAX_BYTES, and by IMAGE_WORKERS at once.
    const chunks: Buffer[] = [];
    for await (const chunk of stored.body) chunks.push(chunk as Buffer);
    const input = Buffer.concat(chunks, size);
    try {
      const meta = await sharp(input, { limitInputPixels: false }).metadata();
      if (!meta.width || !meta.height) return undefined;
      const turned = (meta.orientation ?? 1) >= 5;
      const width = turned ? meta.height : meta.width;
      const height = turned ? meta.width : meta.height;
      if (meta.width * meta.height > MAX_IMAGE_PIXELS) return { width, height, hasThumbnail: false, hasStripped: false };
      const stripped = await strippedCopy(input, meta);
      if (stripped) await this.files.put(strippedKey(id), Readable.from([stripped]), OCTET_STREAM);
      const thumbnail = await sharp(input, { limitInputPixels: MAX_IMAGE_PIXELS })
        .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
        .rotate()
        .resize({ width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, fit: "inside", withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
      await this.files.put(thumbnailKey(id), Readable.from([thumbnail]), THUMBNAIL_TYPE);
      return { width, height, hasThumbnail: true, hasStripped: stripped !== undefined };
    } catch {
      // Not an image after all (or truncated, or too slow): an ordinary file.
      await this.files.delete(thumbnailKey(id)).catch(() => {});
      await this.files.delete(strippedKey(id)).catch(() => {});
      return undefined;
    }
  }

  /**
   * The bytes of an upload (or its thumbnail) for `userId`: the uploader until it is sent,
   * then the conversation's current members. Anyone else, and anything missing, is not_found.
   */
  async download(userId: number, id: number, which: "file" | "thumbnail"): Promise<Download> {
    const row = await this.repo.find(id);
    if (!row || !(await this.mayRead(userId, row)) || (which === "thumbnail" && row.has_thumbnail !== 1)) {
      throw new ChatError("not_found", which === "thumbnail" ? `no thumbnail for upload ${id}` : `no upload with id ${id}`);
    }
    // An image whose original carries metadata is served from its stripped copy.
    const key = which === "thumbnail" ? thumbnailKey(id) : row.has_stripped === 1 ? strippedKey(id) : fileKey(id);
    const stored = await this.files.get(key);
    if (!stored) throw new ChatError("not_found", `no upload with id ${id}`);
    const contentType = which === "file" ? row.content_type : THUMBNAIL_TYPE;
    return { body: stored.body, size: stored.size, contentType, name: row.name, inline: IMAGE_TYPES.has(contentType) };
  }

  private async mayRead(userId: number, row: UploadRow): Promise<boolean> {
    if (row.ready !== 1) return false;
    if (row.message_id === null || row.conversation_id === null) return row.uploader_id === userId;
    return (await this.conversations.forMember(row.conversation_id, userId)) !== undefined;
  }

  /**
   * A message was deleted: its attachments go with it, rows first (every download answers 404
   * from then on, the uploader's included), then their bytes.
   */
  async removeForMessage(messageId: number): Promise<void> {
    const ids = await this.repo.removeForMessage(messageId);
    for (const id of ids) await this.removeBytes(id);
  }

  /** An erased user's uploads go, sent or not: rows first, then bytes, 100 at a time. */
  async removeForUploader(userId: number): Promise<void> {
    for (;;) {
      const ids = await this.repo.idsOfUploader(userId, 100);
      if (ids.length === 0) return;
      for (const id of ids) {
        if (await this.repo.remove(id)) await this.removeBytes(id);
      }
    }
  }

  /** Deletes the bytes of uploads whose rows are gone already (retention removed them with their messages). */
  async removeBytesOf(ids: readonly number[]): Promise<void> {
    for (const id of ids) await this.removeBytes(id);
  }

  /** Removes up to `sweepBatch` unsent uploads older than the time to live; returns how many. */
  sweep(now = Date.now()): Promise<number> {
    this.sweeping ??= (async () => {
      try {
        const old = await this.repo.unsentBefore(now - this.unsentTtlMs, this.options.sweepBatch ?? 100);
        let removed = 0;
        for (const row of old) {
          // Only while still unsent: a send that took it meanwhile keeps it.
          if (!(await this.repo.remove(row.id, { unsentOnly: true }))) continue;
          await this.removeBytes(row.id);
          removed++;
        }
        return removed;
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  /** Sweeps on an interval (unref'd: it never keeps the process up). */
  startSweeper(onError: (err: unknown) => void): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(
      () => {
        this.sweep().catch(onError);
        this.budget.sweep();
      },
      this.options.sweepIntervalMs ?? 10 * 60 * 1000,
    );
    this.sweeper.unref();
  }

  /** Stops the sweeper and waits for a pass under way. */
  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    await this.sweeping?.catch(() => {});
  }

  private async removeBytes(id: number): Promise<void> {
    await this.files.delete(fileKey(id));
    await this.files.delete(thumbnailKey(id));
    await this.files.delete(strippedKey(id));
  }

  private async removeQuietly(id: number, stored: boolean): Promise<void> {
    try {
      if (stored) await this.removeBytes(id);
      else await this.files.delete(thumbnailKey(id));
      await this.repo.remove(id);
    } catch {
      // The sweeper removes what is left (the row is unsent, and not ready).
    }
  }
}

/**
 * The image re-encoded in its own format, turned upright by its EXIF orientation and without
 * its metadata, when the original carries any (a phone photo's EXIF holds where it was taken).
 * Undefined when there is nothing to strip, and for GIFs and animations, which keep their
 * frames only as uploaded (a GIF has no EXIF; an animated WebP's metadata is rare).
 */
async function strippedCopy(input: Buffer, meta: Metadata): Promise<Buffer | undefined> {
  if (!meta.exif && !meta.xmp && !meta.iptc) return undefined;
  if ((meta.pages ?? 1) > 1) return undefined;
  const image = sharp(input, { limitInputPixels: MAX_IMAGE_PIXELS }).timeout({ seconds: DECODE_TIMEOUT_SECONDS }).rotate();
  switch (meta.format) {
    case "jpeg":
      return image.jpeg({ quality: 92 }).toBuffer();
    case "png":
      return image.png().toBuffer();
    case "webp":
      return image.webp({ quality: 92 }).toBuffer();
    default:
      return undefined;
  }
}
