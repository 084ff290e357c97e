import type { HttpApi } from "@chatapp/client";
import type { Pin } from "@chatapp/protocol";
import { Store } from "./store.js";

/**
 * The pinned messages of the conversations opened in this session, newest first. A list is
 * fetched when its conversation is opened, and again when a `pinned` or `unpinned` frame says
 * it changed (the frame names only the message: the list brings the message itself).
 */
export class PinBoard {
  readonly store = new Store<ReadonlyMap<number, readonly Pin[]>>(new Map());
  /** The latest fetch per conversation: an older answer never replaces a newer one. */
  private readonly fetches = new Map<number, number>();

  constructor(private readonly api: HttpApi) {}

  async load(conversationId: number): Promise<void> {
    const ticket = (this.fetches.get(conversationId) ?? 0) + 1;
    this.fetches.set(conversationId, ticket);
    let pins: Pin[];
    try {
      pins = await this.api.pins(conversationId);
    } catch {
      // Not a member any more, or offline: the list stays as it was until the next change.
      return;
    }
    if (this.fetches.get(conversationId) !== ticket) return;
    // Unchanged (most often: still none): every message row reads this, so none re-renders.
    this.store.update((all) => (samePins(all.get(conversationId), pins) ? all : new Map(all).set(conversationId, pins)));
  }

  /** A frame said the conversation's pins changed: fetched again if it was ever shown. */
  changed(conversationId: number): void {
    if (this.fetches.has(conversationId)) void this.load(conversationId);
  }

  async pin(conversationId: number, messageId: number): Promise<void> {
    await this.api.pin(conversationId, messageId);
    await this.load(conversationId);
  }

  async unpin(conversationId: number, messageId: number): Promise<void> {
    await this.api.unpin(conversationId, messageId);
    await this.load(conversationId);
  }
}

function samePins(known: readonly Pin[] | undefined, fresh: readonly Pin[]): boolean {
  if (!known) return fresh.length === 0;
  return JSON.stringify(known) === JSON.stringify(fresh);
}
