import { type ChatClient, ChatClientError, type SendAck } from "@chatapp/client";
import { type Attachment, REFUSALS } from "@chatapp/protocol";
import { newClientId } from "../lib/client-id.js";
import { uploadErrorText } from "../lib/file-text.js";
import type { ChatState, PendingFile, PendingMessage, SendPart } from "./chat-state.js";
import type { SendExtras } from "./reply-context.js";
import type { Store } from "./store.js";

/**
 * Sends, and the pending bubbles that stand for them until the server has stored them. The
 * SDK keeps its outbox in storage (IndexedDB): a send made offline survives a closed tab, goes
 * out once when the connection is back, and is resent after a reconnect under the same
 * client_id (stored once); this only shows them. Files go with the send: uploaded ones as
 * attachments, the rest as the files themselves, which the SDK uploads (and keeps) as part of
 * the send, reporting `upload_progress`. A pending bubble goes when the stored message (same
 * client_id) arrives, or becomes an error the user can retry or discard.
 */
export class Outbox {
  /** Sends wait for the client to have restored its outbox: before that it takes none. */
  private readonly started: Promise<void>;
  private markStarted: () => void = () => {};

  constructor(
    private readonly client: Pick<ChatClient, "send">,
    private readonly store: Store<ChatState>,
  ) {
    this.started = new Promise((resolve) => {
      this.markStarted = resolve;
    });
  }

  /** The client has restored its outbox and is connecting: sends go to it from now on. */
  start(): void {
    this.markStarted();
  }

  /** Shows the message as pending and hands it to the SDK with its files (`parts`, in order). */
  send(
    conversationId: number,
    content: string,
    parts: readonly SendPart[] = [],
    clientId = newClientId(),
    extras: SendExtras = {},
  ): void {
    const pending: PendingMessage = { clientId, conversationId, content, createdAt: new Date().toISOString() };
    if (parts.length > 0) {
      pending.parts = parts;
      pending.files = parts.map(fileOf);
    }
    if (extras.replyTo) pending.replyTo = extras.replyTo;
    if (extras.threadRootId !== undefined) pending.threadRootId = extras.threadRootId;
    if (extras.mentions && extras.mentions.length > 0) pending.mentions = extras.mentions;
    this.store.update((s) => ({ ...s, pending: [...s.pending, pending] }));
    void this.started.then(() => this.deliver(pending));
  }

  /**
   * Sends the SDK restored from storage (typed before a reload, or in a tab since closed):
   * their bubbles, each settled or failed as its `result` says.
   */
  restore(sends: readonly QueuedSend[]): void {
    const known = new Set(this.store.get().pending.map((p) => p.clientId));
    const restored: PendingMessage[] = [];
    for (const send of sends) {
      // This app sends to conversations only; a send to a user has no conversation to show in.
      if (known.has(send.clientId) || !("conversationId" in send.target)) continue;
      known.add(send.clientId);
      restored.push(restoredBubble(send, send.target.conversationId));
      this.follow(send.clientId, send.result);
    }
    if (restored.length > 0) this.store.update((s) => ({ ...s, pending: [...s.pending, ...restored] }));
  }

  /** The SDK's `upload_progress`: how far the files of a send have been uploaded. */
  progress(clientId: string, loaded: number, total: number): void {
    this.store.update((s) => {
      if (!s.pending.some((p) => p.clientId === clientId)) return s;
      return { ...s, pending: s.pending.map((p) => (p.clientId === clientId ? { ...p, progress: { loaded, total } } : p)) };
    });
  }

  /** The stored message arrived: its bubble is replaced by the real one. */
  settle(clientId: string): void {
    this.drop(clientId);
  }

  retry(clientId: string): void {
    const failed = this.store.get().pending.find((p) => p.clientId === clientId);
    if (!failed || !canRetry(failed)) return;
    this.drop(clientId);
    // The same client_id after a timeout: the send may still be stored (the SDK keeps
    // resending it), and then the retry gets that message instead of storing a second one.
    const sameOrNew = failed.retryWithNewId ? newClientId() : failed.clientId;
    this.send(failed.conversationId, failed.content, failed.parts, sameOrNew, failed);
  }

  discard(clientId: string): void {
    this.drop(clientId);
  }

  /** Takes away the bubbles of a conversation the user is no longer in. */
  forgetConversation(conversationId: number): void {
    this.store.update((s) => ({ ...s, pending: s.pending.filter((p) => p.conversationId !== conversationId) }));
  }

  private deliver(pending: PendingMessage): void {
    const { clientId } = pending;
    // Discarded (or the conversation left) before the client started.
    if (!this.store.get().pending.some((p) => p.clientId === clientId)) return;
    const { replyTo, threadRootId, mentions } = pending;
    const result = this.client.send({ conversationId: pending.conversationId }, pending.content, {
      clientId,
      attachments: pending.parts,
      // A restored quote is sent by id: the SDK then fetches the stored message for its copy.
      replyTo: replyTo === undefined || typeof replyTo === "number" || "conversation_id" in replyTo ? replyTo : replyTo.id,
      threadRootId,
      mentions,
    });
    this.follow(clientId, result);
  }

  private follow(clientId: string, result: Promise<SendAck>): void {
    result.then(
      () => this.settle(clientId),
      (err: unknown) => {
        // Closed: logged out (the bubbles go with the session), or the stored sends were another
        // user's (never sent under this user's token): nothing is left to show.
        if (err instanceof ChatClientError && err.code === "closed") {
          this.drop(clientId);
          return;
        }
        const pending = this.store.get().pending.find((p) => p.clientId === clientId);
        const code = err instanceof ChatClientError ? err.code : "";
        this.fail(clientId, pending ? sendRefusal(err, pending) : refusal(err), !SAME_ID_RETRIES.has(code));
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

/** A send the SDK keeps (restored from storage, or adopted from a closed tab); the SDK's index does not name the type. */
export type QueuedSend = Awaited<ReturnType<ChatClient["restore"]>>["sends"][number];

/** A retry needs the files again: a restored send whose bytes only the SDK held cannot be retried. */
export function canRetry(pending: PendingMessage): boolean {
  return (pending.files?.length ?? 0) === 0 || pending.parts !== undefined;
}

function fileOf(part: SendPart): PendingFile {
  if (part instanceof Blob) return { name: part.name || "file", size: part.size, uploaded: false };
  return { name: part.name, size: part.size, uploaded: true };
}

function restoredBubble(send: QueuedSend, conversationId: number): PendingMessage {
  const bubble: PendingMessage = { clientId: send.clientId, conversationId, content: send.content, createdAt: send.createdAt };
  // The SDK lists uploaded files first, then the ones still to upload.
  const attachments = send.attachments.filter((a): a is Attachment => "name" in a);
  const files = [
    ...attachments.map((a) => ({ name: a.name, size: a.size, uploaded: true })),
    ...send.uploads.map((f) => ({ name: f.name || "file", size: f.size, uploaded: false })),
  ];
  if (files.length > 0) bubble.files = files;
  // Every file uploaded: the attachments are all a retry needs.
  if (send.uploads.length === 0 && attachments.length === send.attachments.length && attachments.length > 0) {
    bubble.parts = attachments;
  }
  if (send.replyTo) bubble.replyTo = send.replyTo;
  if (send.threadRootId !== undefined) bubble.threadRootId = send.threadRootId;
  if (send.mentions && send.mentions.length > 0) bubble.mentions = send.mentions;
  return bubble;
}

/** Refusals after which the send may still be stored, or go through later under the same id. */
const SAME_ID_RETRIES = new Set(["timeout", "unavailable", "rate_limited"]);

/**
 * Why a send was refused, in words. The SDK uploads a send's files first, in order: a refusal
 * of one of them (the server's upload limit) names the file the progress had reached (the
 * last one once every byte went out: the answer came after the body).
 */
function sendRefusal(err: unknown, pending: PendingMessage): string {
  if (!(err instanceof ChatClientError)) return refusal(err);
  // The SDK names the file it was uploading when it was refused.
  const named = (err as { fileName?: unknown }).fileName;
  if (typeof named === "string") return `Not sent: ${named}: ${uploadErrorText(err)}`;
  if (!/\bbytes\b/.test(err.message)) return refusal(err);
  const loaded = pending.progress?.loaded ?? 0;
  const waiting = pending.files?.filter((f) => !f.uploaded) ?? [];
  let end = 0;
  const file =
    waiting.find((f) => {
      end += f.size;
      return end > loaded;
    }) ?? waiting.at(-1);
  return file ? `Not sent: ${file.name}: ${uploadErrorText(err)}` : refusal(err);
}

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
