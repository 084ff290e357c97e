/**
 * An event addressed to users, wherever their connections are. The frame is serialized once
 * by the publisher and written as-is to every connection.
 */
export interface BrokerEvent {
  userIds: number[];
  frame: string;
  /** Set on `message` frames: gateways keep per-conversation order and advance delivery cursors with it. */
  message?: { conversationId: number; seq: number; senderId: number; createdAt?: number };
  /** A connection that must not receive the frame (the one a send came from). */
  excludeConnectionId?: string;
}

export type BrokerHandler = (event: BrokerEvent) => void;

/** Node-to-node notices: they keep the nodes' caches in step and are never written to sockets. */
export type ClusterNotice =
  /** A conversation's members or title changed: drop what is cached about it. */
  | { type: "conversation_changed"; conversationId: number }
  /** A block between these users was made or lifted: drop their cached block pairs. */
  | { type: "blocks_changed"; userIds: number[] }
  /** A user was erased: forget that the id exists. */
  | { type: "user_erased"; userId: number }
  /**
   * A user was deactivated, banned or erased (`disabled`), or made active again: drop the
   * cached status, and close their sockets with 4003 when disabled (chat/account-status.ts).
   */
  | { type: "account_changed"; userId: number; disabled: boolean }
  /**
   * A node could not pass on some of its events (Redis was away longer than its buffer
   * lasted): every other node closes its sockets with 1012, and clients resume.
   */
  | { type: "resync" };

export type NoticeHandler = (notice: ClusterNotice) => void;

/**
 * Carries events between the chat domain and the gateways. An event published on a node is
 * handed to that node's subscribers at once (synchronously, in order), and to every other
 * node's through the cluster transport, if there is one.
 */
export interface Broker {
  publish(event: BrokerEvent): void;
  subscribe(handler: BrokerHandler): void;
  /** Tells the other nodes (not this one). */
  notify(notice: ClusterNotice): void;
  onNotice(handler: NoticeHandler): void;
  /**
   * Called when this node may have missed events from other nodes (its link to them was
   * down and is back): its clients should resume.
   */
  onResync(handler: () => void): void;
  /** Whether events reach other nodes right now (always true for a single node). */
  healthy(): boolean;
  /** "none" for a single node, else whether the cluster transport is connected. */
  status(): "none" | "up" | "down";
  close(): Promise<void>;
}
