import { randomUUID } from "node:crypto";
import type { Broker } from "../broker/broker.js";
import { BatchedLookup } from "../lib/batched-lookup.js";
import { RateLimiter } from "../lib/rate-limiter.js";
import { metrics } from "../metrics.js";
import { LinkPreviews } from "../previews/link-previews.js";
import { AdminUsersRepo } from "../store/admin-users-repo.js";
import { BlocksRepo } from "../store/blocks-repo.js";
import { ConversationsRepo } from "../store/conversations-repo.js";
import type { Store } from "../store/database.js";
import { idemKey } from "../store/insert-batch.js";
import { MentionsRepo } from "../store/mentions-repo.js";
import { MessagesRepo } from "../store/messages-repo.js";
import { MutesRepo } from "../store/mutes-repo.js";
import { NodePresenceRepo } from "../store/node-presence-repo.js";
import { PinsRepo } from "../store/pins-repo.js";
import { PresenceRepo } from "../store/presence-repo.js";
import { ReactionsRepo } from "../store/reactions-repo.js";
import { ReportsRepo } from "../store/reports-repo.js";
import { SearchRepo } from "../store/search-repo.js";
import { UsersRepo } from "../store/users-repo.js";
import { AccountStatus } from "./account-status.js";
import { type ActionBudgetOptions, ActionBudgets } from "./action-budgets.js";
import { AdminMessages } from "./admin-messages.js";
import { BeforeSendHook, type BeforeSendOptions } from "./before-send.js";
import { Blocks } from "./blocks.js";
import { ConversationAdmin } from "./conversation-admin.js";
import { ConversationCache } from "./conversation-cache.js";
import { History } from "./history.js";
import { LinkPreviewUpdates } from "./link-preview-updates.js";
import { Mentions } from "./mentions.js";
import { MessageEdits } from "./message-edits.js";
import { Messaging } from "./messaging.js";
import { Mutes } from "./mutes.js";
import { Pins } from "./pins.js";
import { Presence, type PresenceOptions } from "./presence.js";
import { Reactions } from "./reactions.js";
import { Readiness } from "./readiness.js";
import { Receipts } from "./receipts.js";
import { Reports } from "./reports.js";
import { Search } from "./search.js";
import { Threads } from "./threads.js";
import { Typing } from "./typing.js";
import { UserDirectory } from "./user-directory.js";

/** The chat domain, free of HTTP and WebSocket: what the gateway and the routes call. */
export interface ChatServices {
  users: UsersRepo;
  directory: UserDirectory;
  /** Whether a user may use their tokens (inactive and erased users may not), cluster-wide. */
  accountStatus: AccountStatus;
  /** The users table as the admin API reads and changes it. */
  adminUsersRepo: AdminUsersRepo;
  conversations: ConversationCache;
  messages: MessagesRepo;
  messaging: Messaging;
  receipts: Receipts;
  presence: Presence;
  typing: Typing;
  history: History;
  admin: ConversationAdmin;
  /** Messages and notices through the admin API. */
  adminMessages: AdminMessages;
  edits: MessageEdits;
  search: Search;
  mentions: Mentions;
  pins: Pins;
  reactions: Reactions;
  threads: Threads;
  /** Blocking (integrations §3): the routes and every direct send's check. */
  blocks: Blocks;
  /** "Has U blocked S?" and "who of these blocked S?" (notifications ask, integrations §4). */
  blocksRepo: BlocksRepo;
  /** Muting (integrations §3); `mutes.mutedAmong` is what notifications leave out. */
  mutes: Mutes;
  readiness: Readiness;
  /** Members' reports of messages, and the admins' view of them (integrations §5). */
  reports: Reports;
  /** Waits until every accepted message and cursor move is written. */
  drain(): Promise<void>;
}

export function createChatServices(
  store: Store,
  broker: Broker,
  onError: (err: unknown, what: string) => void,
  options: {
    provisionRecipients?: boolean;
    commitTimeoutMs?: number;
    maxGroupMembers?: number;
    /** Messages per second per user (0: no limit), and how many may be saved up. */
    messagesPerSecond?: number;
    messagesBurst?: number;
    /** The frame rate limit (per connection on the socket), applied per user to HTTP reactions. */
    framesPerSecond?: number;
    framesBurst?: number;
    /** Budgets for edits, deletes, group changes and group creation (off when not given). */
    budgets?: Partial<ActionBudgetOptions>;
    /** This node in a cluster; a single node gets a fresh id and the default timings. */
    presence?: Partial<PresenceOptions>;
    /** LINK_PREVIEWS and LINK_PREVIEW_ALLOW_PRIVATE; off when not given. */
    linkPreviews?: { enabled: boolean; allowPrivate: boolean };
    /** BEFORE_SEND_*: the before-send hook for sends and edits; off when not given. */
    beforeSend?: BeforeSendOptions;
  } = {},
): ChatServices {
  const users = new UsersRepo(store);
  const conversationsRepo = new ConversationsRepo(store);
  const messages = new MessagesRepo(store);
  const presenceRepo = new PresenceRepo(store);
  const directory = new UserDirectory(users, (userId) => broker.notify({ type: "user_erased", userId }));
  const adminUsersRepo = new AdminUsersRepo(store);
  const accountStatus = new AccountStatus(adminUsersRepo, broker);
  // Other nodes' caches drop a conversation this node changed, and the other way round.
  const conversations = new ConversationCache(conversationsRepo, (conversationId) =>
    broker.notify({ type: "conversation_changed", conversationId }),
  );
  const messageLimiter = new RateLimiter<number>(options.messagesPerSecond ?? 0, options.messagesBurst ?? 1);
  const budgets = new ActionBudgets({
    actionsPerMinute: 0,
    actionsBurst: 1,
    groupsPerHour: 0,
    memberAddsPerHour: 0,
    reportsPerHour: 0,
    ...options.budgets,
  });
  const sweep = setInterval(() => messageLimiter.sweep(), 10_000);
  sweep.unref();
  const writerOptions = {
    onError: (err: unknown) => onError(err, "message batch failed"),
    commitTimeoutMs: options.commitTimeoutMs,
    onBatch: (size: number) => metrics.batch(size),
  };
  const reactionLimiter = new RateLimiter<number>(options.framesPerSecond ?? 0, options.framesBurst ?? 1);
  setInterval(() => reactionLimiter.sweep(), 10_000).unref();
  const reactions = new Reactions(new ReactionsRepo(store), messages, conversations, broker, reactionLimiter);
  // Link-preview frames carry reactions: Reactions comes first.
  const previews = options.linkPreviews?.enabled
    ? new LinkPreviewUpdates(
        new LinkPreviews({ allowPrivate: options.linkPreviews.allowPrivate }),
        messages,
        conversationsRepo,
        conversations,
        broker,
        reactions,
        (err) => onError(err, "link previews failed"),
      )
    : undefined;
  const blocksRepo = new BlocksRepo(store);
  const blocks = new Blocks(blocksRepo, users, broker, budgets);
  const mutes = new Mutes(new MutesRepo(store), conversations);
  const hook = options.beforeSend ? new BeforeSendHook(options.beforeSend, onError) : undefined;
  // Each gated send asks whether its client_id is stored already; under load that is one
  // query per turn for all of them, not one per message (each a query on the database's
  // one SQLite connection, or a pool connection, that the writes wait behind).
  const storedClientIds = new BatchedLookup<{ senderId: number; clientId: string }>(
    (q) => idemKey(q.senderId, q.clientId),
    (qs) => messages.storedClientIds(qs),
  );
  const messaging = new Messaging(store, writerOptions, conversations, directory, broker, blocks, {
    provisionRecipients: options.provisionRecipients ?? false,
    limiter: messageLimiter,
    onDelivered: previews
      ? (m) => previews.request({ id: m.id, conversationId: m.conversationId, content: m.content, editedAt: null })
      : undefined,
    gate: hook && { hook, isStored: (senderId, clientId) => storedClientIds.has({ senderId, clientId }) },
  });
  const receipts = new Receipts(conversationsRepo, conversations, broker, (err) => onError(err, "cursor write failed"));
  const presence = new Presence(
    presenceRepo,
    new NodePresenceRepo(store),
    conversationsRepo,
    broker,
    (err) => onError(err, "presence write failed"),
    { nodeId: randomUUID(), heartbeatMs: 10_000, nodeTimeoutMs: 25_000, ...options.presence },
  );
  broker.onNotice((notice) => {
    if (notice.type === "conversation_changed") conversations.invalidate(notice.conversationId);
    if (notice.type === "user_erased") {
      directory.forget(notice.userId, true);
      conversations.forgetUser(notice.userId);
    }
  });
  // Back from a break in the link to the other nodes: what they changed meanwhile is unknown.
  broker.onResync(() => conversations.clear());
  const typing = new Typing(conversations, broker, blocks);
  const mentions = new Mentions(new MentionsRepo(store));
  const history = new History(messages, conversationsRepo, conversations, presenceRepo, receipts, mentions, reactions, mutes);
  const admin = new ConversationAdmin(
    conversationsRepo,
    conversations,
    users,
    messaging,
    history,
    broker,
    options.maxGroupMembers ?? 1000,
    budgets,
    blocks,
  );
  const edits = new MessageEdits(messages, conversationsRepo, conversations, broker, budgets, reactions, previews, hook);
  const search = new Search(new SearchRepo(store), conversationsRepo, messages, reactions);
  const pins = new Pins(new PinsRepo(store), messages, conversationsRepo, conversations, broker, budgets, reactions);
  edits.onEdit((row) => mentions.edited(row));
  edits.onDelete((messageId) => mentions.deleted(messageId));
  edits.onDelete((messageId, userId) => pins.messageDeleted(messageId, userId));
  // Deleting a message drops its reactions (contract §8).
  edits.onDelete((messageId) => reactions.removeForMessage(messageId));
  return {
    users,
    directory,
    accountStatus,
    adminUsersRepo,
    conversations,
    messages,
    messaging,
    receipts,
    presence,
    typing,
    history,
    admin,
    adminMessages: new AdminMessages(conversations, messaging),
    edits,
    search,
    mentions,
    pins,
    reactions,
    threads: new Threads(messages, conversationsRepo, conversations, reactions),
    blocks,
    blocksRepo,
    mutes,
    readiness: new Readiness(store, broker),
    reports: new Reports(new ReportsRepo(store), messages, conversations, budgets),
    async drain() {
      await messaging.drain();
      await receipts.drain();
      await previews?.close();
      hook?.close();
    },
  };
}
