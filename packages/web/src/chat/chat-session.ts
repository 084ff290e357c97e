import { AuthError, ChatClient, type ConnectionState, type HttpApi } from "@chatapp/client";
import type {
  Conversation,
  MemberLeftFrame,
  Message,
  MessageDeletedFrame,
  ReactionFrame,
  ReceiptFrame,
  StatusUpdateFrame,
  TypingEventFrame,
} from "@chatapp/protocol";
import { SessionKeeper } from "../auth/session-keeper.js";
import { loadSession, type Session } from "../auth/session-storage.js";
import { withDeadline } from "../lib/with-deadline.js";
import { BlockList } from "./blocks.js";
import {
  type ChatState,
  countsAsUnread,
  initialState,
  mentionsMe,
  otherMemberId,
  withChangedMessage,
  withEntry,
  withKnownCursors,
  withNewMessage,
  withoutEntry,
  withReceipt,
} from "./chat-state.js";
import { lazyIndexedDbStorage, localData, localDataName } from "./lazy-storage.js";
import { loadOlderPage, withFirstPage, withMembersPresence } from "./list-pages.js";
import { Outbox } from "./outbox.js";
import { PinBoard } from "./pins.js";
import { keepReactions, withReactionFrame } from "./reactions.js";
import { loadRemovals, RemovalNotes } from "./removals.js";
import type { SendExtras } from "./reply-context.js";
import { loadStatuses, withStatus } from "./statuses.js";
import { Store } from "./store.js";
import { withThreadCount } from "./thread-counts.js";
import { TimelineLoader } from "./timeline-loader.js";
import { UploadFiles } from "./upload-files.js";
import { Uploads } from "./uploads.js";
import { UserNames } from "./user-names.js";

/** Others' typing shows this long after their last typing frame (they send one every 2 s at most). */
const TYPING_SHOWN_MS = 4000;
/** The server relays one typing frame per 2 s per user and conversation: sending more is waste. */
const TYPING_EVERY_MS = 2000;
const BACK_ONLINE_MS = 3000;
/** Conversations per page of the list; more load as the user scrolls down. */
const LIST_PAGE = 50;
const EXPIRED = "Your session has expired. Please log in again.";
/** IndexedDB answers in milliseconds; one that hangs (a stuck upgrade) must not keep the chat from starting. */
const LOCAL_DATA_WAIT_MS = 2000;

/**
 * One logged-in user's chat: the SDK connection, and the state the screens show, kept up to
 * date from the SDK's events (messages, receipts, presence, typing, edits, membership).
 * Screens read `store` and call the methods here; nothing else talks to the server.
 */
export class ChatSession {
  readonly store: Store<ChatState>;
  /** The HTTP API through the SDK; a refused token ends the session through the client's `error` event. */
  readonly api: HttpApi;
  readonly outbox: Outbox;
  /** Files being uploaded: the composer's drafts and the pending messages' files. */
  readonly uploads: Uploads;
  /** Sent files as object URLs, fetched with the token (images, downloads). */
  readonly files: UploadFiles;
  readonly timelines: TimelineLoader;
  readonly names: UserNames;
  readonly pins: PinBoard;
  /** The users this user blocks (Block / Unblock in the user menus). */
  readonly blocks: BlockList;
  private readonly removals: RemovalNotes;
  private readonly client: ChatClient;
  /** Logging out: the client closes as part of clearing its data. */
  private clearing = false;
  private readonly unsubscribers: (() => void)[] = [];
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly typingSent = new Map<number, number>();
  private backOnlineTimer: ReturnType<typeof setTimeout> | undefined;
  private listRetryTimer: ReturnType<typeof setTimeout> | undefined;
  /** While the conversation list loads, messages are kept here to be applied on top of it. */
  private arrivedWhileListing: Message[] | undefined;
  private everOpen = false;
  private viewing: number | undefined;
  private stopped = false;

  constructor(
    session: Session,
    private readonly onEnded: (notice?: string) => void,
  ) {
    this.store = new Store({ ...initialState(session.user), removals: loadRemovals(session.user.id) });
    this.removals = new RemovalNotes(this.store, session.user.id);
    // The outbox, cursors, the list and recent messages outlive the tab: one database per user,
    // so that another user of this browser never reads this one's.
    const storage = lazyIndexedDbStorage(localDataName(session.user.id));
    this.client = new ChatClient({
      url: `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`,
      // The stored token: SessionKeeper (or another tab) may have refreshed it since login.
      token: () => currentToken(session),
      // A message written offline waits for the connection however long it takes.
      sendTimeoutMs: 0,
      backoff: { initialMs: 250, maxMs: 10_000 },
      storage,
    });
    this.api = this.client.api;
    this.uploads = new Uploads(this.client, this.store);
    this.outbox = new Outbox(this.client, this.store);
    this.files = new UploadFiles(() => currentToken(session));
    this.timelines = new TimelineLoader(this.client, this.store);
    this.names = new UserNames(this.api, this.store);
    this.pins = new PinBoard(this.api);
    this.blocks = new BlockList(this.api);
  }

  private get me(): number {
    return this.store.get().me.id;
  }

  start(): void {
    const c = this.client;
    this.unsubscribers.push(
      this.names.watch(),
      new SessionKeeper(this.me, () => this.api.refreshToken()).start(),
      c.on("state", (state) => this.onState(state)),
      c.on("message", (message) => this.onMessage(message)),
      c.on("message_updated", ({ type: _type, ...message }) => this.onMessageChanged(message)),
      c.on("message_deleted", (frame) => this.onMessageDeleted(frame)),
      c.on("reaction", (frame) => this.onReaction(frame)),
      c.on("thread_updated", (update) =>
        this.timelines.patchMessages(update.conversation_id, (messages) => withThreadCount(messages, update)),
      ),
      c.on("receipt", (receipt) => this.onReceipt(receipt)),
      c.on("typing", (frame) => this.onTyping(frame)),
      c.on("status", (frame) => this.onStatus(frame)),
      c.on("member_joined", (frame) => void this.refreshConversation(frame.conversation_id)),
      c.on("conversation_updated", (frame) => void this.refreshConversation(frame.conversation_id)),
      c.on("member_left", (frame) => this.onMemberLeft(frame)),
      c.on("pinned", (frame) => this.pins.changed(frame.conversation_id)),
      c.on("unpinned", (frame) => this.pins.changed(frame.conversation_id)),
      c.on("upload_progress", ({ client_id, loaded, total }) => this.outbox.progress(client_id, loaded, total)),
      // A send left by a tab that closed, now this one's to send: its bubble shows here.
      c.on("send_adopted", (send) => this.outbox.restore([send])),
      c.on("error", (err) => {
        if (err instanceof AuthError) this.end(EXPIRED);
      }),
    );
    void this.open();
    void this.blocks.load();
    // The browser's push subscription and the server's, in step for this user (a renewed
    // endpoint, another user's subscription left behind): code loaded after the first screen.
    const me = this.me;
    void import("../push/notifications.js").then((push) => push.syncSubscription(this.api, me)).catch(() => {});
  }

  /**
   * Shows what this browser kept of the user's chat (the list, the pending sends), then
   * connects. Other users' data goes first: the browser now belongs to this one. Each step has
   * a deadline: without IndexedDB the chat starts as it would on a new browser.
   */
  private async open(): Promise<void> {
    const me = this.me;
    const data = await withDeadline(localData(), LOCAL_DATA_WAIT_MS);
    if (data && !this.stopped) {
      await withDeadline(data.forgetOtherUsers(me), LOCAL_DATA_WAIT_MS);
      // Names from the last session: a start without the network still shows who is who.
      this.names.restore(data.loadKnownNames(me));
      if (!this.stopped) this.unsubscribers.push(data.keepKnownNames(this.store, me));
    }
    const restored = this.stopped ? undefined : await withDeadline(this.client.restore(), LOCAL_DATA_WAIT_MS);
    if (this.stopped) return;
    if (restored) this.showRestored(restored);
    this.outbox.start();
    this.client.connect().catch((err: unknown) => {
      if (err instanceof AuthError) this.end(EXPIRED);
    });
  }

  private showRestored(restored: Awaited<ReturnType<ChatClient["restore"]>>): void {
    // Data of another user (never the case with one database per user): the SDK clears it on `ready`.
    if (restored.userId !== undefined && restored.userId !== this.me) return;
    this.outbox.restore(restored.sends);
    const list = restored.conversations;
    if (list.length === 0) return;
    this.store.update((s) => {
      // The network's list may have come first: it is fresher.
      if (s.conversationsLoaded) return s;
      const { conversations, paging } = withFirstPage(s.conversations, list, LIST_PAGE, s.listPaging);
      return { ...s, conversations, conversationsLoaded: true, listPaging: paging };
    });
    if (this.viewing !== undefined) this.view(this.viewing);
  }

  /** Disconnects and forgets timers; the session object is done. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    for (const timer of this.typingTimers.values()) clearTimeout(timer);
    clearTimeout(this.backOnlineTimer);
    clearTimeout(this.listRetryTimer);
    this.uploads.stop();
    this.files.clear();
    // Unless logging out, where clearing the data closes it (closing first would stop that).
    if (!this.clearing) void this.client.close();
  }

  /**
   * Logs out. This browser's notifications end with the login: another user may log in here
   * next and must not get this one's pushes (push/notifications.ts; loaded only now). What the
   * SDK kept of the user's chat (outbox, cache) is deleted with their database.
   */
  logout(): void {
    const api = this.api;
    const me = this.me;
    void import("../push/notifications.js").then((push) => push.turnOff(api, me)).catch(() => {});
    this.clearing = true;
    const client = this.client;
    const cleared = localData()
      .then((m) => m.forgetLocalData(client, me))
      .then(() => true);
    // Not cleared in time (IndexedDB stuck, its code not loading): the client closes all the same.
    void withDeadline(cleared, LOCAL_DATA_WAIT_MS).then((done) => {
      if (!done) void client.close();
    });
    this.end();
  }

  // --- what the screens do -------------------------------------------------------------

  /** The conversation on screen (or none): its history loads; the message list reports what is read. */
  view(conversationId: number | undefined): void {
    this.viewing = conversationId;
    if (conversationId === undefined) return;
    void this.pins.load(conversationId);
    const conversation = this.store.get().conversations.get(conversationId);
    if (conversation) this.names.want(conversation.members.map((m) => m.user_id));
    // The list names only us among a group's members: the group itself lists them all.
    if (conversation && conversation.members.length < conversation.member_count) void this.refreshConversation(conversationId);
    const timeline = this.store.get().timelines.get(conversationId);
    if (!timeline) void this.timelines.showCached(conversationId);
    if (!timeline?.loaded) void this.timelines.loadLatest(conversationId);
  }

  /**
   * The open conversation's messages up to `seq` have been on screen: the read cursor moves
   * there (never past what was seen), and the unread count to what is left below it. Only
   * others' messages need a read: one's own were seen as they were written.
   */
  markSeen(conversationId: number, seq: number): void {
    const c = this.store.get().conversations.get(conversationId);
    if (!c || !this.isOnScreen(conversationId) || seq <= c.read_seq) return;
    const me = this.me;
    const messages = this.store.get().timelines.get(conversationId)?.messages ?? [];
    if (!messages.some((m) => m.seq > c.read_seq && m.seq <= seq && m.sender_id !== me)) return;
    this.client.markRead(conversationId, seq);
    this.patchConversation(conversationId, (conversation) => {
      const readSeq = Math.max(conversation.read_seq, seq);
      const left = messages.filter((m) => m.seq > readSeq && countsAsUnread(m, me)).length;
      const mentions = Math.min(conversation.mention_count, messages.filter((m) => m.seq > readSeq && mentionsMe(m, me)).length);
      return {
        ...conversation,
        read_seq: readSeq,
        unread_count: Math.min(conversation.unread_count, left),
        mention_count: mentions,
        mentioned: mentions > 0,
      };
    });
  }

  /**
   * Sends a message, with the files of `uploads` (keys from `uploads.start`) once they are
   * uploaded, quoting `extras.replyTo` and into the thread of `extras.threadRootId`.
   */
  send(conversationId: number, content: string, uploads: readonly string[] = [], extras: SendExtras = {}): void {
    this.outbox.send(conversationId, content, this.uploads.handOver(uploads), undefined, extras);
  }

  /** A page of a thread: its root and replies (the SDK then follows the root's counters). */
  thread(conversationId: number, rootId: number, paging: { before?: number; limit?: number } = {}) {
    return this.client.thread(conversationId, rootId, paging);
  }

  typing(conversationId: number): void {
    const now = Date.now();
    if (now - (this.typingSent.get(conversationId) ?? 0) < TYPING_EVERY_MS) return;
    this.typingSent.set(conversationId, now);
    this.client.typing(conversationId);
  }

  async edit(messageId: number, content: string): Promise<void> {
    this.onMessageChanged(await this.api.editMessage(messageId, content));
  }

  async remove(messageId: number): Promise<void> {
    this.onMessageChanged(await this.api.deleteMessage(messageId));
  }

  /**
   * Adds (or, with `add` false, takes back) one's reaction. The `reaction` frame that every
   * member gets, this user included, is what updates the message on screen.
   */
  async react(messageId: number, emoji: string, add: boolean): Promise<void> {
    if (add) await this.client.react(messageId, emoji);
    else await this.client.unreact(messageId, emoji);
  }

  /** Opens (or creates) the direct conversation with a user; resolves with its id. */
  async startDirect(userId: number): Promise<number> {
    return this.adopt(await this.api.directWith(userId)).id;
  }

  async createGroup(title: string, memberIds: number[]): Promise<number> {
    return this.adopt(await this.api.createGroup(title, memberIds)).id;
  }

  async addMembers(conversationId: number, userIds: number[]): Promise<void> {
    this.adopt(await this.api.addMembers(conversationId, userIds));
  }

  async renameGroup(conversationId: number, title: string): Promise<void> {
    this.adopt(await this.api.renameGroup(conversationId, title));
  }

  /**
   * Mutes the conversation's notifications for `ms` from now, or until unmuted; the entry
   * takes the server's answer (frames, history and unread counts are unchanged).
   */
  async mute(conversationId: number, ms: number | undefined): Promise<void> {
    const answer = await this.api.mute(conversationId, ms === undefined ? undefined : new Date(Date.now() + ms));
    this.setMute(conversationId, true, answer.muted_until);
  }

  async unmute(conversationId: number): Promise<void> {
    await this.api.unmute(conversationId);
    this.setMute(conversationId, false, null);
  }

  private setMute(conversationId: number, muted: boolean, mutedUntil: string | null): void {
    this.store.update((s) => {
      const c = s.conversations.get(conversationId);
      if (!c) return s;
      return { ...s, conversations: withEntry(s.conversations, conversationId, { ...c, muted, muted_until: mutedUntil }) };
    });
  }

  /** Removes a member; removing oneself leaves the group, which then leaves the list. */
  async removeMember(conversationId: number, userId: number): Promise<void> {
    await this.api.removeMember(conversationId, userId);
    if (userId === this.me) this.forget(conversationId);
    else await this.refreshConversation(conversationId);
  }

  // --- SDK events ----------------------------------------------------------------------

  private onState(connection: ConnectionState): void {
    if (this.stopped) return;
    const reconnected = connection === "open" && this.everOpen;
    this.store.update((s) => ({ ...s, connection, backOnline: reconnected || (s.backOnline && connection === "open") }));
    if (connection !== "open") return;
    // Uploads that failed for want of a connection start again.
    this.uploads.resume();
    if (reconnected) {
      clearTimeout(this.backOnlineTimer);
      this.backOnlineTimer = setTimeout(() => this.store.update((s) => ({ ...s, backOnline: false })), BACK_ONLINE_MS);
      // The SDK resumes every conversation without gaps; edits and deletes made while we were
      // away are picked up by reloading the page on screen.
      if (this.viewing !== undefined) void this.timelines.loadLatest(this.viewing);
    }
    this.everOpen = true;
    // Unread counts, presence and new conversations may all have changed while away.
    void this.refreshConversations();
    void loadStatuses(this.api, this.store, () => this.stopped);
  }

  private onMessage(message: Message): void {
    const id = message.conversation_id;
    const me = this.me;
    this.arrivedWhileListing?.push(message);
    this.names.want([message.sender_id]);
    this.timelines.merge(id, [message]);
    if (message.client_id !== undefined && message.sender_id === me) this.outbox.settle(message.client_id);
    const known = this.store.get().conversations.has(id);
    this.store.update((s) => {
      const conversation = s.conversations.get(id);
      const typing = s.typing.get(id);
      return {
        ...s,
        conversations: conversation
          ? withEntry(s.conversations, id, withNewMessage(conversation, message, me, this.isOnScreen(id)))
          : s.conversations,
        typing:
          message.sender_id !== null && typing?.includes(message.sender_id)
            ? withEntry(
                s.typing,
                id,
                typing.filter((u) => u !== message.sender_id),
              )
            : s.typing,
        lastIncoming: message.sender_id !== me && message.kind !== "system" ? message : s.lastIncoming,
      };
    });
    // A conversation we have not seen (someone wrote first, or added us), or one whose members
    // or title just changed: fetch it. While the list loads, the list brings it.
    if ((!known || message.kind === "system") && this.arrivedWhileListing === undefined) void this.refreshConversation(id);
  }

  private onMessageChanged(changed: Message): void {
    const message = keepReactions(this.knownMessage(changed.conversation_id, changed.id), changed);
    this.timelines.merge(message.conversation_id, [message]);
    this.patchConversation(message.conversation_id, (c) => withChangedMessage(c, message));
  }

  private onReaction(frame: ReactionFrame): void {
    const known = this.knownMessage(frame.conversation_id, frame.message_id);
    if (!known) return;
    const message = withReactionFrame(known, frame, this.me);
    this.timelines.merge(message.conversation_id, [message]);
    this.patchConversation(message.conversation_id, (c) => withChangedMessage(c, message));
  }

  /** The message as this screen has it: in its open timeline, or as its conversation's latest. */
  private knownMessage(conversationId: number, messageId: number): Message | undefined {
    const s = this.store.get();
    const inTimeline = s.timelines.get(conversationId)?.messages.find((m) => m.id === messageId);
    const last = s.conversations.get(conversationId)?.last_message;
    return inTimeline ?? (last?.id === messageId ? last : undefined);
  }

  private onMessageDeleted(frame: MessageDeletedFrame): void {
    const timeline = this.store.get().timelines.get(frame.conversation_id);
    const conversation = this.store.get().conversations.get(frame.conversation_id);
    const known = timeline?.messages.find((m) => m.seq === frame.seq) ?? conversation?.last_message ?? undefined;
    if (known?.id !== frame.id) return;
    const { edited_at: _edited, ...rest } = known;
    this.onMessageChanged({ ...rest, content: "", deleted: true });
  }

  private onReceipt(receipt: ReceiptFrame): void {
    this.patchConversation(receipt.conversation_id, (c) => withReceipt(c, receipt, this.me));
  }

  private onTyping(frame: TypingEventFrame): void {
    if (frame.user_id === this.me) return;
    const { conversation_id: id, user_id: user } = frame;
    this.names.want([user]);
    const key = `${id}:${user}`;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.set(
      key,
      setTimeout(() => {
        this.typingTimers.delete(key);
        this.setTyping(id, user, false);
      }, TYPING_SHOWN_MS),
    );
    this.setTyping(id, user, true);
  }

  private onStatus(frame: StatusUpdateFrame): void {
    this.store.update((s) => withStatus(s, frame));
  }

  private onMemberLeft(frame: MemberLeftFrame): void {
    if (frame.user_id !== this.me) {
      void this.refreshConversation(frame.conversation_id);
      return;
    }
    // Removed by someone else: remember by whom, for the pane (the server will answer 404 from now on).
    if (frame.by !== this.me) this.removals.record(frame.conversation_id, frame.by);
    this.forget(frame.conversation_id);
  }

  // --- conversations -------------------------------------------------------------------

  private async refreshConversations(): Promise<void> {
    if (this.arrivedWhileListing !== undefined) return;
    const arrived: Message[] = [];
    this.arrivedWhileListing = arrived;
    clearTimeout(this.listRetryTimer);
    let list: Conversation[];
    try {
      // Through the client, which keeps the first page for the next start.
      list = await this.client.conversations({ limit: LIST_PAGE });
    } catch {
      this.arrivedWhileListing = undefined;
      // Tried again shortly while connected (a reconnect also tries again).
      if (!this.stopped) this.listRetryTimer = setTimeout(() => void this.refreshConversations(), 3000);
      return;
    }
    this.arrivedWhileListing = undefined;
    if (this.stopped) return;
    const me = this.me;
    this.store.update((s) => {
      // A list computed before a receipt can arrive after it: cursors never go back.
      const page = list.map((c) => withKnownCursors(c, s.conversations.get(c.id)));
      const { conversations, paging } = withFirstPage(s.conversations, page, LIST_PAGE, s.listPaging);
      // Messages that arrived during the request may be newer than the list: apply them on top
      // (a message the list already counted changes nothing).
      for (const message of arrived) {
        const c = conversations.get(message.conversation_id);
        if (c) conversations.set(c.id, withNewMessage(c, message, me, this.isOnScreen(c.id)));
      }
      return {
        ...s,
        conversations,
        presence: withMembersPresence(s.presence, list, me),
        conversationsLoaded: true,
        listPaging: paging,
      };
    });
    this.names.want(list.flatMap((c) => (c.kind === "direct" ? [otherMemberId(c, me) ?? me] : [])));
    for (const id of new Set(arrived.map((m) => m.conversation_id))) {
      if (!list.some((c) => c.id === id)) void this.refreshConversation(id);
    }
    if (this.viewing !== undefined) this.view(this.viewing);
  }

  /** The next page of the list, below the last one fetched (infinite scroll). */
  loadMoreConversations(): Promise<void> {
    return loadOlderPage(this.api, this.store, LIST_PAGE);
  }

  private async refreshConversation(id: number): Promise<void> {
    try {
      this.adopt(await this.api.conversation(id));
    } catch (err) {
      // 404: not a member (any more).
      if ((err as { status?: number }).status === 404) this.forget(id);
    }
  }

  /** Puts a conversation the server just described into the list, with its members' presence. */
  private adopt(conversation: Conversation): Conversation {
    const me = this.me;
    // A member again (added back): the removal no longer applies.
    this.removals.clear(conversation.id);
    this.store.update((s) => ({
      ...s,
      presence: withMembersPresence(s.presence, [conversation], me),
      conversations: withEntry(
        s.conversations,
        conversation.id,
        withKnownCursors(conversation, s.conversations.get(conversation.id)),
      ),
    }));
    this.names.want(conversation.members.map((m) => m.user_id));
    // On screen already (e.g. added back to a group while looking at it): load it now.
    if (this.viewing === conversation.id) this.view(conversation.id);
    return conversation;
  }

  private forget(id: number): void {
    // Its pending messages go too (the server refuses them now).
    this.outbox.forgetConversation(id);
    this.store.update((s) => ({
      ...s,
      conversations: withoutEntry(s.conversations, id),
      timelines: withoutEntry(s.timelines, id),
    }));
  }

  private isOnScreen(id: number): boolean {
    return this.viewing === id && document.visibilityState === "visible";
  }

  private patchConversation(id: number, change: (c: Conversation) => Conversation): void {
    this.store.update((s) => {
      const conversation = s.conversations.get(id);
      if (!conversation) return s;
      const next = change(conversation);
      return next === conversation ? s : { ...s, conversations: withEntry(s.conversations, id, next) };
    });
  }

  private setTyping(id: number, user: number, typing: boolean): void {
    this.store.update((s) => {
      const current = s.typing.get(id) ?? [];
      if (current.includes(user) === typing) return s;
      const next = typing ? [...current, user] : current.filter((u) => u !== user);
      return { ...s, typing: withEntry(s.typing, id, next) };
    });
  }

  private end(notice?: string): void {
    if (this.stopped) return;
    this.stop();
    this.onEnded(notice);
  }
}

/** The freshest token of this session's user: the stored one, unless another user logged in since. */
function currentToken(session: Session): string {
  const stored = loadSession();
  return stored?.user.id === session.user.id ? stored.token : session.token;
}
