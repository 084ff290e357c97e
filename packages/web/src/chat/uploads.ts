import { type ChatClient, ChatClientError } from "@chatapp/client";
import { uploadErrorText } from "../lib/file-text.js";
import type { ChatState, SendPart, UploadState } from "./chat-state.js";
import type { Store } from "./store.js";

/**
 * Uploads after a failure for want of a connection, each when the connection is back: enough
 * for a flaky network, and never a loop against a server that keeps refusing.
 */
const MAX_AUTO_RETRIES = 5;
/**
 * An upload that failed while the socket stayed open (the server's HTTP side, or a proxy,
 * failed alone) starts again after this long: no reconnect will come to start it.
 */
const RETRY_WHILE_OPEN_MS = 3000;

interface Job {
  file: File;
  controller: AbortController;
  autoRetries: number;
}

/**
 * Files being uploaded for the composer's chips. Each starts at once (`client.upload`, with
 * progress) and is kept in the state under a key until it is sent (`handOver`) or cancelled.
 * Uploads need the server: one that fails for want of a connection waits ("waiting for the
 * connection") and starts again when the socket reopens (or after a few seconds if the socket
 * stayed open), while the tab stays open. A draft lives in this tab's memory only: a reload
 * loses it (a sent one is the SDK's, kept in its storage).
 */
export class Uploads {
  private readonly jobs = new Map<string, Job>();
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();
  private nextKey = 1;

  constructor(
    private readonly client: Pick<ChatClient, "upload">,
    private readonly store: Store<ChatState>,
  ) {}

  /** Starts uploading a file; the key names it in `state.uploads`. */
  start(file: File): string {
    const key = `upload-${this.nextKey++}`;
    this.jobs.set(key, { file, controller: new AbortController(), autoRetries: 0 });
    this.run(key);
    return key;
  }

  /** Stops an upload and forgets it (its chip goes). */
  cancel(key: string): void {
    this.jobs.get(key)?.controller.abort();
    this.forget([key]);
  }

  /** Forgets uploads that went out with a message (or are no longer wanted). */
  forget(keys: readonly string[]): void {
    for (const key of keys) this.jobs.delete(key);
    this.store.update((s) => {
      if (!keys.some((key) => s.uploads.has(key))) return s;
      const uploads = new Map(s.uploads);
      for (const key of keys) uploads.delete(key);
      return { ...s, uploads };
    });
  }

  /** Starts a failed upload again (the user's retry). */
  retry(key: string): void {
    const job = this.jobs.get(key);
    if (!job || this.store.get().uploads.get(key)?.status !== "failed") return;
    job.autoRetries = 0;
    this.run(key);
  }

  /** The connection is back: uploads that failed for want of it start again. */
  resume(): void {
    for (const [key, state] of this.store.get().uploads) {
      if (state.status === "waiting") this.run(key);
    }
  }

  /** Stops every upload (logout). */
  stop(): void {
    for (const job of this.jobs.values()) job.controller.abort();
    this.jobs.clear();
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  /**
   * Hands the files of `keys` to a message being sent, in order: the uploaded ones as their
   * attachments, the others as the files themselves, whose draft uploads stop here (the SDK
   * uploads them as part of the send, and keeps them across a reload). They are no longer drafts.
   */
  handOver(keys: readonly string[]): SendPart[] {
    const uploads = this.store.get().uploads;
    const parts: SendPart[] = [];
    for (const key of keys) {
      const job = this.jobs.get(key);
      const attachment = uploads.get(key)?.attachment;
      if (attachment) parts.push(attachment);
      else if (job) parts.push(job.file);
      job?.controller.abort();
    }
    this.forget(keys);
    return parts;
  }

  private run(key: string): void {
    const job = this.jobs.get(key);
    if (!job) return;
    job.controller = new AbortController();
    const { file, controller } = job;
    this.set(key, { key, name: file.name || "file", size: file.size, loaded: 0, status: "uploading" });
    this.client
      .upload(file, {
        signal: controller.signal,
        onProgress: ({ loaded }) => this.patch(key, controller, { loaded }),
      })
      .then(
        (attachment) => this.patch(key, controller, { loaded: file.size, status: "done", attachment }),
        (err: unknown) => {
          if (err instanceof ChatClientError && err.code === "cancelled") return;
          const offline = err instanceof ChatClientError && (err.code === "network" || err.code === "unavailable");
          if (offline && job.autoRetries < MAX_AUTO_RETRIES) {
            job.autoRetries++;
            this.patch(key, controller, { status: "waiting", loaded: 0, error: "waiting for the connection" });
            if (this.store.get().connection === "open") this.retryLater(key, controller);
          } else {
            this.patch(key, controller, { status: "failed", error: uploadErrorText(err) });
          }
        },
      );
  }

  private retryLater(key: string, attempt: AbortController): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      // Not if it was cancelled, or a reconnect started it again meanwhile.
      if (this.jobs.get(key)?.controller === attempt && this.store.get().uploads.get(key)?.status === "waiting") this.run(key);
    }, RETRY_WHILE_OPEN_MS);
    this.retryTimers.add(timer);
  }

  private set(key: string, state: UploadState): void {
    this.store.update((s) => ({ ...s, uploads: new Map(s.uploads).set(key, state) }));
  }

  /** Changes an upload's state, unless it was cancelled or restarted since this attempt began. */
  private patch(key: string, attempt: AbortController, change: Partial<UploadState>): void {
    const job = this.jobs.get(key);
    const current = this.store.get().uploads.get(key);
    if (job?.controller !== attempt || !current) return;
    this.set(key, { ...current, ...change });
  }
}
