import type { Broker } from "../broker/broker.js";
import type { LinkPreviews } from "../previews/link-previews.js";
import type { ConversationsRepo } from "../store/conversations-repo.js";
import type { MessagesRepo } from "../store/messages-repo.js";
import type { ConversationCache } from "./conversation-cache.js";
import { fieldsOf, receiverOf, statusFrom, toWireMessage } from "./message-view.js";
import type { Reactions } from "./reactions.js";

/** What a stored or edited message needs for its previews. */
export interface PreviewRequest {
  id: number;
  conversationId: number;
  content: string;
  /** The message's edited_at when asked: previews land only on that version of the text. */
  editedAt: number | null;
}

/**
 * Link previews for messages (contract §4): asked for once a message is stored and delivered
 * (or edited), never on the path of its `message` frame or its ack. When the pages give
 * entries, they are stored on the message, unless it was edited or deleted meanwhile, and the
 * members get `message_updated` with the whole message, through the broker (so every node's
 * sockets), from the one node that stored or edited it. A page that gives nothing gives no
 * frame. The frame carries the message's reactions (without `me`: it is fanned out), like
 * every other `message_updated`. Work in flight is bounded by LinkPreviews' own cap and queue.
 */
export class LinkPreviewUpdates {
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly previews: LinkPreviews,
    private readonly messages: MessagesRepo,
    private readonly conversationsRepo: ConversationsRepo,
    private readonly cache: ConversationCache,
    private readonly broker: Broker,
    private readonly reactions: Reactions,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Starts the previews of a message that may link to pages; returns at once. */
  request(message: PreviewRequest): void {
    if (this.stopped || !/https?:\/\//i.test(message.content)) return;
    // On a later turn: the caller may be on the commit path of a whole batch of messages.
    const work = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run(message)).catch(this.onError);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /**
   * Stops taking requests and waits for those in flight, at most `graceMs` (a fetch has a 5 s
   * deadline of its own; shutdown should not wait for it): what is left finds `stopped` and
   * gives up before storing anything.
   */
  async close(graceMs = 1000): Promise<void> {
    this.stopped = true;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all([...this.inFlight]), grace]);
    clearTimeout(timer);
  }

  private async run(message: PreviewRequest): Promise<void> {
    const entries = await this.previews.previewsFor(message.content);
    if (entries.length === 0 || this.stopped) return;
    // (A shutdown that starts during the update below waits for it: close() is called before the store closes.)
    const row = await this.messages.setLinkPreviews(message.id, JSON.stringify(entries), { editedAt: message.editedAt });
    if (!row) return;
    const info = await this.cache.get(row.conversation_id);
    if (!info) return;
    const [members, quotes] = await Promise.all([
      this.conversationsRepo.membersOf([row.conversation_id]),
      this.messages.quotes([row]),
    ]);
    const wire = toWireMessage(
      fieldsOf(row, quotes),
      receiverOf(info.kind, info.memberIds, row.sender_id),
      statusFrom(row.seq, row.sender_id, members),
    );
    const [shared] = await this.reactions.attach(null, [wire]);
    this.broker.publish({ userIds: info.memberIds, frame: JSON.stringify({ type: "message_updated", ...(shared ?? wire) }) });
  }
}
