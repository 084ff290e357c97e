import { type ChatClient, ChatClientError } from "@chatapp/client";
import { type Attachment, REFUSALS } from "@chatapp/protocol";
import { newClientId } from "../lib/client-id.js";
import type { ChatState, PendingMessage } from "./chat-state.js";
import type { SendExtras } from "./reply-context.js";
import type { Store } from "./store.js";
import type { Uploads } from "./uploads.js";

/**
 * Sends, and the pending bubbles that stand for them until the server has stored them. The
 * SDK queues sends made offline and resends unacknowledged ones after a reconnect with the
 * same client_id (stored once); this only shows them. A pending bubble goes when the stored
 * message (same client_id) arrives, or becomes an error the user can retry or discard. A
 * message with files stays pending while they upload (chat/uploads.ts); a failed upload
 * fails the message the same way.
 */
export class Outbox {
  constructor(
    private readonly client: ChatClient,
    private readonly store: Store<ChatState>,
    private readonly uploads: Uploads,
  ) {}

  /**
   * Shows the message as pending and sends it; with files (keys in `uploads`), once they are
   * all uploaded. The SDK keeps sends in order per conversation, but a message waiting on its
   * files goes to the SDK only then, so a text sent meanwhile may be stored before it.
   */
  send(
    conversationId: number,
    content: string,
    uploads: readonly string[] = [],
    clientId = newClientId(),
    extras: SendExtras = {},
  ): void {
    const pending: PendingMessage = {
      clientId,
      conversationId,
      content,
      ...(uploads.length > 0 ? { uploads } : {}),
      createdAt: new Date().toISOString(),
    };
    if (extras.replyTo) pending.replyTo = extras.replyTo;
    if (extras.threadRootId !== undefined) pending.threadRootId = extras.threadRootId;
    if (extras.mentions && extras.mentions.length > 0) pending.mentions = extras.mentions;
    this.store.update((s) => ({ ...s, pending: [...s.pending, pending] }));
    void this.deliver(pending);
  }

  /** The stored message arrived: its bubble is replaced by the real one, and its uploads are done with. */
  settle(clientId: string): void {
    const settled = this.drop(clientId);
    if (settled?.uploads) this.uploads.forget(settled.uploads);
  }

  retry(clientId: string): void {
    const failed = this.drop(clientId);
    if (!failed) return;
    for (const key of failed.uploads ?? []) this.uploads.retry(key);
    // The same client_id after a timeout: the send may still be stored (the SDK keeps
    // resending it), and then the retry gets that message instead of storing a second one.
    const sameOrNew = failed.retryWithNewId ? newClientId() : failed.clientId;
    this.send(failed.conversationId, failed.content, failed.uploads, sameOrNew, failed);
  }

  discard(clientId: string): void {
    const discarded = this.drop(clientId);
    for (const key of discarded?.uploads ?? []) this.uploads.cancel(key);
  }

  private async deliver(pending: PendingMessage): Promise<void> {
    const { clientId } = pending;
    let attachments: Attachment[] = [];
    if (pending.uploads) {
      try {
        attachments = await this.uploads.whenDone(pending.uploads);
      } catch (err) {
        // Nothing went to the server: a retry may keep the client_id.
        this.fail(clientId, `Not sent: ${err instanceof Error ? err.message : String(err)}`, false);
        return;
      }
      // Discarded while its files were uploading.
      if (!this.store.get().pending.some((p) => p.clientId === clientId)) return;
    }
    const { replyTo, threadRootId, mentions } = pending;
    this.client
      .send({ conversationId: pending.conversationId }, pending.content, {
        clientId,
        attachments,
        replyTo,
        threadRootId,
        mentions,
      })
      .then(
        () => this.settle(clientId),
        (err: unknown) => {
          // Closed: the user logged out; the session is gone with its bubbles.
          if (err instanceof ChatClientError && err.code === "closed") return;
          this.fail(clientId, refusal(err), !SAME_ID_RETRIES.has(err instanceof ChatClientError ? err.code : ""));
        },
      );
  }

  /** Takes a pending bubble away; returns what it was. */
  private drop(clientId: string): PendingMessage | undefined {
    const dropped = this.store.get().pending.find((p) => p.clientId === clientId);
    if (dropped) this.store.update((s) => ({ ...s, pending: s.pending.filter((p) => p.clientId !== clientId) }));
    return dropped;
  }

  private fail(clientId: string, error: string, retryWithNewId: boolean): void {
    this.store.update((s) => ({
      ...s,
      pending: s.pending.map((p) => (p.clientId === clientId ? { ...p, error, retryWithNewId } : p)),
    }));
  }
}

/** Refusals after which the send may still be stored, or go through later under the same id. */
const SAME_ID_RETRIES = new Set(["timeout", "unavailable", "rate_limited"]);

export function refusal(err: unknown): string {
  if (!(err instanceof ChatClientError)) return "Not sent.";
  switch (err.code) {
    case "too_large":
      return "Not sent: the message is too long.";
    case "forbidden":
      // A block between the two (either way) says only this, the same to both.
      if (err.message === REFUSALS.blocked.message) return "Not sent: you cannot send to this conversation.";
      return "Not sent: you are no longer a member of this conversation.";
    default:
      return `Not sent: ${err.message}`;
  }
}
