import type { Conversation, Message } from "@chatapp/protocol";
import { SINGLE_OWNER, type StorageAdapter, type StorageChange } from "../storage/adapter.js";
import { idOfKey, KEYS } from "./keys.js";
import { isOutboxRecord, type OutboxRecord } from "./outbox-record.js";

/** Non-outbox writes wait this long to be written together (a burst of messages is one write). */
const FLUSH_DELAY_MS = 100;
/** The cached list holds the first page at most. */
const MAX_LIST = 200;

export interface LoadedState {
  /** Whose data this is (the user of the last `ready`). */
  userId: number | undefined;
  /** Per conversation, the last seq emitted. */
  cursors: Map<number, number>;
  conversations: Conversation[];
  /** This runtime's outbox, oldest first: what it wrote before, and what it adopted. */
  outbox: OutboxRecord[];
  /** Direct conversations by the other user's id. */
  peers: Map<number, number>;
}

interface CursorRecord {
  /** The last seq emitted. */
  seq: number;
  /** The cache holds every seq from `bottom` to `top` and nothing else (0 and 0: nothing). */
  bottom: number;
  top: number;
}

/** Answered sends remembered, so that a look at the outbox racing an ack does not take one up again. */
const ANSWERED_KEPT = 1000;

/**
 * What the SDK keeps across restarts, over a StorageAdapter: the outbox (written at once,
 * since a send must not be lost), and, written together a moment later, the cursors, the
 * conversation list and the latest `cacheMessages` messages of each conversation. The cache
 * of a conversation is a run of seqs with no hole, reconciled by seq: a message past the
 * run's end + 1 (after an absence longer than the cache) starts the run again.
 *
 * Writes go out one at a time, in order; a failed write is reported and the next goes on
 * (the cache is a cache; a lost outbox write means a send is not kept across a restart).
 */
export class LocalStore {
  private readonly owners;
  private storedUser: number | undefined;
  private readonly cursors = new Map<number, CursorRecord>();
  private list: Conversation[] = [];
  /** Changes waiting for the next write. */
  private readonly puts = new Map<number, Map<number, Message>>();
  /** Per conversation, the ids of the cached messages (for reactions, which name no seq). */
  private readonly ids = new Map<number, Map<number, number>>();
  /** Conversations whose cached ids are all in `ids` (read from storage once). */
  private readonly indexed = new Set<number>();
  /** The client_ids of sends answered lately (see ANSWERED_KEPT). */
  private readonly answered = new Set<string>();
  /** The last outbox order given: orders only grow, whatever the clock does. */
  private lastOrder = 0;
  private readonly resets = new Set<number>();
  private readonly dirtyCursors = new Set<number>();
  /** Direct conversations by peer, as stored; `dirtyPeers` are waiting to be written. */
  private readonly peers = new Map<number, number>();
  private readonly dirtyPeers = new Set<number>();
  private patches: StorageChange[] = [];
  private outboxChanges: StorageChange[] = [];
  private listDirty = false;
  private metaDirty = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** This runtime holds its owner lock: its outbox records are not adopted by another. */
  private held = false;

  constructor(
    private readonly adapter: StorageAdapter,
    private readonly cacheMessages: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.owners = adapter.owners ?? SINGLE_OWNER;
  }

  /** This runtime's id, written into its outbox records. */
  get owner(): string {
    return this.owners.id;
  }

  get userId(): number | undefined {
    return this.storedUser;
  }

  /**
   * Reads what is stored. With `expectedUser` (the app says who is logging in), data stored for
   * another user is deleted first, so none of it is returned, shown or sent.
   */
  async load(expectedUser?: number): Promise<LoadedState> {
    await this.hold();
    if (expectedUser !== undefined) {
      const meta = await this.adapter.read(KEYS.meta);
      const stored = meta.find(([key]) => key === KEYS.meta)?.[1] as { userId?: unknown } | undefined;
      if (stored?.userId !== expectedUser) {
        // Another user's, or of no known user (written before any `ready`): not this user's to see.
        await this.adapter.clear();
        await this.adapter.write([{ op: "put", key: KEYS.meta, value: { userId: expectedUser } }]);
      }
    }
    const [meta, cursorRows, listRows, peerRows] = await Promise.all([
      this.adapter.read(KEYS.meta),
      this.adapter.read(KEYS.cursorPrefix),
      this.adapter.read(KEYS.list),
      this.adapter.read(KEYS.peerPrefix),
    ]);
    for (const [key, value] of peerRows) if (typeof value === "number") this.peers.set(idOfKey(key), value);
    const user = (meta.find(([key]) => key === KEYS.meta)?.[1] as { userId?: unknown } | undefined)?.userId;
    this.storedUser = typeof user === "number" ? user : undefined;
    for (const [key, value] of cursorRows) {
      const c = value as Partial<CursorRecord> | null;
      if (typeof c?.seq === "number" && typeof c.top === "number" && typeof c.bottom === "number") {
        this.cursors.set(idOfKey(key), c as CursorRecord);
      }
    }
    const list = listRows.find(([key]) => key === KEYS.list)?.[1];
    this.list = Array.isArray(list) ? (list as Conversation[]) : [];
    const outbox = await this.adopt();
    return {
      userId: this.storedUser,
      // A conversation only cached (its latest page was read) has no cursor: 0 is not one.
      cursors: new Map([...this.cursors].filter(([, c]) => c.seq > 0).map(([id, c]) => [id, c.seq])),
      conversations: [...this.list],
      outbox,
      peers: new Map(this.peers),
    };
  }

  /** Takes this runtime's owner lock (again, after `release`). */
  async hold(): Promise<void> {
    if (this.held) return;
    this.held = true;
    await this.owners.start();
  }

  /** Lets the records of this runtime go: another runtime of the store may adopt them now. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.owners.stop();
  }

  /**
   * The outbox records to send: this runtime's, and those of runtimes that are gone (another
   * tab, closed), which become this one's. Under the owners' exclusive lock, so that two tabs
   * never adopt the same record.
   */
  adopt(): Promise<OutboxRecord[]> {
    return this.owners.exclusive(async () => {
      // Answered sends whose removal is still waiting must not look unanswered.
      await this.flush();
      const rows = (await this.adapter.read(KEYS.outboxPrefix))
        .map(([, v]) => v)
        .filter(isOutboxRecord)
        .filter((r) => !this.answered.has(r.clientId));
      for (const r of rows) this.lastOrder = Math.max(this.lastOrder, orderOf(r.key));
      const alive = await this.owners.alive([...new Set(rows.map((r) => r.owner))]);
      const mine: OutboxRecord[] = [];
      const adopted: StorageChange[] = [];
      for (const record of rows) {
        if (record.owner === this.owner) mine.push(record);
        else if (!alive.has(record.owner)) {
          const taken = { ...record, owner: this.owner };
          mine.push(taken);
          adopted.push({ op: "put", key: taken.key, value: taken });
        }
      }
      if (adopted.length > 0) await this.adapter.write(adopted);
      return mine;
    });
  }

  /** The order of a new send: after every send stored or made so far. */
  nextOrder(): number {
    this.lastOrder = Math.max(this.lastOrder + 1, Date.now() * 1000);
    return this.lastOrder;
  }

  /** Keeps (or updates) a send: written at once. */
  putOutbox(record: OutboxRecord): void {
    this.outboxChanges.push({ op: "put", key: record.key, value: record });
    this.schedule(true);
  }

  /** The server answered the send for good. */
  removeOutbox(record: OutboxRecord): void {
    this.answered.add(record.clientId);
    if (this.answered.size > ANSWERED_KEPT) this.answered.delete(this.answered.values().next().value as string);
    this.outboxChanges.push({ op: "delete", key: record.key });
    this.schedule(true);
  }

  /** Messages were emitted (in seq order): they join the cache, and the cursor moves to `lastSeq`. */
  emitted(conversationId: number, messages: readonly Message[], lastSeq: number, me: number | undefined): void {
    this.cache(conversationId, messages);
    this.cursorOf(conversationId).seq = lastSeq;
    this.dirtyCursors.add(conversationId);
    for (const m of messages) this.listMessage(m, me);
    this.schedule(false);
  }

  /** The latest page of a conversation (history without `before`): cached like emitted messages. */
  latestPage(conversationId: number, messages: readonly Message[]): void {
    if (messages.length === 0) return;
    this.cache(conversationId, messages);
    this.schedule(false);
  }

  /** A cached message changed (an edit, a deletion, reactions): its copies follow, if cached. */
  patchMessage(conversationId: number, seq: number, fields: Record<string, unknown>): void {
    const pending = this.puts.get(conversationId)?.get(seq);
    if (pending) {
      const next: Record<string, unknown> = { ...pending };
      for (const [field, value] of Object.entries(fields)) {
        if (value === undefined) delete next[field];
        else next[field] = value;
      }
      this.puts.get(conversationId)?.set(seq, next as unknown as Message);
    } else {
      this.patches.push({ op: "patch", key: KEYS.message(conversationId, seq), fields });
    }
    const entry = this.list.find((c) => c.id === conversationId);
    if (entry?.last_message?.seq === seq) {
      this.replaceListEntry({ ...entry, last_message: { ...entry.last_message, ...fields } as Message });
    }
    this.schedule(false);
  }

  /** Like patchMessage, for a change that names the message by id only (a reaction). */
  patchMessageById(conversationId: number, messageId: number, fields: Record<string, unknown>): void {
    const seq = this.ids.get(conversationId)?.get(messageId);
    if (seq !== undefined) {
      this.patchMessage(conversationId, seq, fields);
      return;
    }
    // Not among the ids known: not cached, once the conversation's cached ids have been read.
    if (this.indexed.has(conversationId) || !this.cursors.has(conversationId)) return;
    void this.messages(conversationId)
      .then((cached) => {
        const found = cached.find((m) => m.id === messageId);
        if (found) this.patchMessage(conversationId, found.seq, fields);
      })
      .catch((err: unknown) => this.onError(err));
  }

  /** The direct conversation with `peer` (one record per direct conversation). */
  learnPeer(peer: number, conversationId: number): void {
    if (this.peers.get(peer) === conversationId) return;
    this.peers.set(peer, conversationId);
    this.dirtyPeers.add(peer);
    this.schedule(false);
  }

  /** The conversation list's first page, as the server gave it. */
  setConversations(list: readonly Conversation[]): void {
    this.list = list.slice(0, MAX_LIST);
    this.listDirty = true;
    this.schedule(false);
  }

  /** The user read a conversation up to `seq` (its cached entry's unread count follows). */
  noteRead(conversationId: number, seq: number): void {
    const entry = this.list.find((c) => c.id === conversationId);
    if (!entry || entry.read_seq >= seq) return;
    this.replaceListEntry({ ...entry, read_seq: seq, unread_count: seq >= entry.last_seq ? 0 : entry.unread_count });
    this.schedule(false);
  }

  /** The cached messages of a conversation, in seq order (what is waiting to be written included). */
  async messages(conversationId: number): Promise<Message[]> {
    await this.flush();
    const rows = await this.adapter.read(KEYS.messagePrefix(conversationId));
    const messages = rows.map(([, value]) => value as Message);
    const ids = this.idsOf(conversationId);
    for (const m of messages) ids.set(m.id, m.seq);
    this.indexed.add(conversationId);
    return messages;
  }

  conversations(): Conversation[] {
    return [...this.list];
  }

  /**
   * The user of this connection. Data stored for another user is cleared (outbox included:
   * the caller rejects its sends) before anything else is written; true when that happened.
   */
  setUser(userId: number): boolean {
    if (this.storedUser === userId) return false;
    const other = this.storedUser !== undefined;
    if (other) {
      this.forgetAll();
      this.enqueue(() => this.adapter.clear());
    }
    this.storedUser = userId;
    this.metaDirty = true;
    this.schedule(true);
    return other;
  }

  /** Writes what is waiting now, and resolves once every write so far is done. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const outbox = this.outboxChanges;
    this.outboxChanges = [];
    const changes = this.take();
    if (changes.length > 0) this.enqueue(() => this.adapter.write(changes));
    // The outbox apart from the cache, and a send with bytes apart from the others: a write the
    // adapter refuses (a file too large for it) loses that one send's record, and nothing else.
    const light = outbox.filter((c) => !carriesBytes(c));
    if (light.length > 0) this.enqueue(() => this.adapter.write(light));
    for (const heavy of outbox.filter(carriesBytes)) this.enqueue(() => this.adapter.write([heavy]));
    return this.chain;
  }

  /** Forgets everything stored (logging out); the store stays usable. */
  async clear(): Promise<void> {
    this.forgetAll();
    this.storedUser = undefined;
    this.enqueue(() => this.adapter.clear());
    await this.chain;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.release();
    await this.adapter.close();
  }

  /**
   * Adds a batch (a run of seqs, in order: what a stream emitted, or a page) to the cached run
   * of its conversation. A batch that touches the run or is next to it extends it; one past its
   * top starts it again (an absence longer than the cache); one below its bottom is older than
   * what the cache keeps and is left out. So the run never has a hole.
   */
  private cache(conversationId: number, messages: readonly Message[]): void {
    const first = messages[0];
    const last = messages.at(-1);
    if (this.cacheMessages <= 0 || !first || !last) return;
    const cursor = this.cursorOf(conversationId);
    const empty = cursor.top === 0;
    if (!empty && last.seq < cursor.bottom - 1) return;
    if (empty || first.seq > cursor.top + 1) {
      this.resets.add(conversationId);
      this.puts.delete(conversationId);
      this.ids.delete(conversationId);
      this.indexed.add(conversationId);
      cursor.bottom = first.seq;
      cursor.top = last.seq;
    } else {
      cursor.bottom = Math.min(cursor.bottom, first.seq);
      cursor.top = Math.max(cursor.top, last.seq);
    }
    let puts = this.puts.get(conversationId);
    if (!puts) {
      puts = new Map();
      this.puts.set(conversationId, puts);
    }
    const ids = this.idsOf(conversationId);
    for (const m of messages) {
      puts.set(m.seq, m);
      ids.set(m.id, m.seq);
    }
    // The trim keeps the last `cacheMessages` seqs: the run's bottom moves up, and older
    // messages are not written at all.
    cursor.bottom = Math.max(cursor.bottom, cursor.top - this.cacheMessages + 1);
    // Pruned when twice the cache, not at each message: a catch-up emits one message at a time.
    if (puts.size > 2 * this.cacheMessages) prune(puts, cursor.bottom);
    if (ids.size > 2 * this.cacheMessages) for (const [id, seq] of ids) if (seq < cursor.bottom) ids.delete(id);
    this.dirtyCursors.add(conversationId);
  }

  private idsOf(conversationId: number): Map<number, number> {
    let ids = this.ids.get(conversationId);
    if (!ids) {
      ids = new Map();
      this.ids.set(conversationId, ids);
    }
    return ids;
  }

  private cursorOf(conversationId: number): CursorRecord {
    let cursor = this.cursors.get(conversationId);
    if (!cursor) {
      cursor = { seq: 0, bottom: 0, top: 0 };
      this.cursors.set(conversationId, cursor);
    }
    return cursor;
  }

  /** Keeps the cached list's entry current with a new message (moved to the top). */
  private listMessage(m: Message, me: number | undefined): void {
    const entry = this.list.find((c) => c.id === m.conversation_id);
    if (!entry || m.seq <= entry.last_seq) return;
    const unread = m.sender_id !== me && m.kind !== "system" && m.seq > entry.read_seq;
    const next: Conversation = {
      ...entry,
      last_seq: m.seq,
      last_message: m,
      last_activity: m.timestamp,
      unread_count: entry.unread_count + (unread ? 1 : 0),
    };
    this.list = [next, ...this.list.filter((c) => c.id !== m.conversation_id)];
    this.listDirty = true;
  }

  private replaceListEntry(next: Conversation): void {
    this.list = this.list.map((c) => (c.id === next.id ? next : c));
    this.listDirty = true;
  }

  private take(): StorageChange[] {
    const changes: StorageChange[] = [];
    for (const id of this.resets) changes.push({ op: "deletePrefix", prefix: KEYS.messagePrefix(id) });
    for (const [id, puts] of this.puts) {
      prune(puts, this.cursors.get(id)?.bottom ?? 0);
      for (const [seq, message] of puts) changes.push({ op: "put", key: KEYS.message(id, seq), value: message });
    }
    changes.push(...this.patches);
    for (const id of this.puts.keys()) changes.push({ op: "trim", prefix: KEYS.messagePrefix(id), keep: this.cacheMessages });
    for (const id of this.dirtyCursors) {
      const cursor = this.cursors.get(id);
      if (cursor) changes.push({ op: "put", key: KEYS.cursor(id), value: { ...cursor } });
    }
    for (const peer of this.dirtyPeers) changes.push({ op: "put", key: KEYS.peer(peer), value: this.peers.get(peer) });
    if (this.listDirty) changes.push({ op: "put", key: KEYS.list, value: this.list });
    if (this.metaDirty && this.storedUser !== undefined)
      changes.push({ op: "put", key: KEYS.meta, value: { userId: this.storedUser } });
    this.resets.clear();
    this.puts.clear();
    this.patches = [];
    this.dirtyCursors.clear();
    this.dirtyPeers.clear();
    this.listDirty = false;
    this.metaDirty = false;
    return changes;
  }

  /** Drops what is waiting and what is known: the store is being cleared. */
  private forgetAll(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.take();
    this.outboxChanges = [];
    this.cursors.clear();
    this.peers.clear();
    this.ids.clear();
    this.indexed.clear();
    this.list = [];
  }

  private schedule(now: boolean): void {
    if (this.closed) return;
    if (now) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.flush(), 0);
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
    }
    (this.timer as { unref?: () => void }).unref?.();
  }

  private enqueue(write: () => Promise<void>): void {
    this.chain = this.chain.then(write).catch((err: unknown) => this.onError(err));
  }
}

/** The order in an outbox key (`o:<order>:<client_id>`). */
function orderOf(key: string): number {
  return Number(key.split(":")[1]) || 0;
}

/** A change that stores a send's file bytes: written on its own (see flush). */
function carriesBytes(change: StorageChange): boolean {
  if (change.op !== "put") return false;
  const files = (change.value as { files?: unknown[] }).files ?? [];
  return files.some((f) => typeof f === "object" && f !== null && "file" in f);
}

/** Drops the messages below the run's bottom: the trim would delete them anyway. */
function prune(puts: Map<number, Message>, bottom: number): void {
  for (const seq of puts.keys()) if (seq < bottom) puts.delete(seq);
}
