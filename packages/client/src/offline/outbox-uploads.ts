import type { Attachment } from "@chatapp/protocol";
import { type BackoffOptions, backoffDelay } from "../backoff.js";
import { AuthError, ChatClientError } from "../errors.js";
import type { UploadProgress } from "../http-api.js";
import type { OutboxRecord } from "./outbox-record.js";

/** Refusals that a later attempt may not get: the server is down, busy, or the network is. */
const RETRIED = new Set(["network", "timeout", "unavailable", "rate_limited", "internal", "token_provider"]);

export interface OutboxUploadHooks {
  upload(
    file: Blob | Uint8Array,
    name: string,
    onProgress: (p: UploadProgress) => void,
    signal: AbortSignal,
  ): Promise<Attachment>;
  /** A file is uploaded: the record now holds its attachment instead of its bytes (store it). */
  stored(record: OutboxRecord): void;
  progress(loaded: number, total: number): void;
}

/**
 * Uploads the files of a send, in order, before the send may go out. Each uploaded file is
 * stored in the record at once, so a restart uploads only what was not. A network failure or
 * a server that is down is retried with backoff until `signal` aborts (the send timed out, or
 * the client closed); a refusal for good (too large, an empty file, a refused token) rejects.
 */
export async function uploadFiles(
  record: OutboxRecord,
  hooks: OutboxUploadHooks,
  backoff: BackoffOptions,
  signal: AbortSignal,
): Promise<OutboxRecord> {
  let current = record;
  const total = current.files.reduce((sum, f) => sum + ("size" in f ? f.size : 0), 0);
  let done = 0;
  for (let i = 0; i < current.files.length; i++) {
    const entry = current.files[i];
    if (!entry || !("file" in entry)) continue;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw new ChatClientError("cancelled", "the send was withdrawn");
      try {
        const attachment = await hooks.upload(entry.file, entry.name, (p) => hooks.progress(done + p.loaded, total), signal);
        current = { ...current, files: current.files.map((f, at) => (at === i ? { attachment } : f)) };
        hooks.stored(current);
        done += entry.size;
        hooks.progress(done, total);
        break;
      } catch (err) {
        const retried =
          err instanceof ChatClientError && !(err instanceof AuthError) && (RETRIED.has(err.code) || (err.status ?? 0) >= 500);
        if (signal.aborted || err instanceof AuthError) throw err;
        // Refused for good: `fileName` says which file, so a UI can tell which one of several.
        if (!retried) throw typeof err === "object" && err !== null ? Object.assign(err, { fileName: entry.name }) : err;
        await wait(backoffDelay(attempt, backoff), signal);
      }
    }
  }
  return current;
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
