import { type ChatClient, ChatClientError } from "@chatapp/client";
import { newClientId } from "../lib/client-id.js";
import type { ChatState, PendingMessage } from "./chat-state.js";
import type { SendExtras } from "./reply-context.js";
import type { Store } from "./store.js";

/**
 * Sends, and the pending bubbles that stand for them until the server has stored them. The
 * SDK queues sends made offline and resends unacknowledged ones after a reconnect with the
 * same client_id (stored once); this only shows them. A pending bubble goes when the stored
 * message (same client_id) arrives, or becomes an error the user can retry or discard.
 */
export class Outbox {
  constructor(
    private readonly client: ChatClient,
    private readonly store: Store<ChatState>,
  ) {}

  send(conversationId: number, content: string, clientId = newClientId(), extras: SendExtras = {}): void {
    const pending: PendingMessage = { clientId, conversationId, content, createdAt: new Date().toISOString() };
    if (extras.replyTo) pending.replyTo = extras.replyTo;
    if (extras.threadRootId !== undefined) pending.threadRootId = extras.threadRootId;
    this.store.update((s) => ({ ...s, pending: [...s.pending, pending] }));
    const { replyTo, threadRootId } = pending;
    this.client.send({ conversationId }, content, { clientId: pending.clientId, replyTo, threadRootId }).then(
      () => this.settle(pending.clientId),
      (err: unknown) => {
        // Closed: the user logged out; the session is gone with its bubbles.
        if (err instanceof ChatClientError && err.code === "closed") return;
        this.fail(pending.clientId, refusal(err), !SAME_ID_RETRIES.has(err instanceof ChatClientError ? err.code : ""));
      },
    );
  }

  /** The stored message arrived: its bubble is replaced by the real one. */
  settle(clientId: string): void {
    this.store.update((s) => {
      const pending = s.pending.filter((p) => p.clientId !== clientId);
      return pending.length === s.pending.length ? s : { ...s, pending };
    });
  }

  retry(clientId: string): void {
    const failed = this.store.get().pending.find((p) => p.clientId === clientId);
    if (!failed) return;
    this.settle(clientId);
    // The same client_id after a timeout: the send may still be stored (the SDK keeps
    // resending it), and then the retry gets that message instead of storing a second one.
    this.send(failed.conversationId, failed.content, failed.retryWithNewId ? newClientId() : failed.clientId, failed);
  }

  discard(clientId: string): void {
    this.settle(clientId);
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

function refusal(err: unknown): string {
  if (!(err instanceof ChatClientError)) return "Not sent.";
  switch (err.code) {
    case "too_large":
      return "Not sent: the message is too long.";
    case "forbidden":
      return "Not sent: you are no longer a member of this conversation.";
    default:
      return `Not sent: ${err.message}`;
  }
}
