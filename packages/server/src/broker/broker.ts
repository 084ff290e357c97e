/**
 * An event addressed to users, wherever their connections are. The frame is serialized once
 * by the publisher and written as-is to every connection.
 */
export interface BrokerEvent {
  userIds: number[];
  frame: string;
  /** Set on `message` frames: gateways keep per-conversation order and advance delivery cursors with it. */
  message?: { conversationId: number; seq: number; senderId: number };
  /** A connection that must not receive the frame (the one a send came from). */
  excludeConnectionId?: string;
}

export type BrokerHandler = (event: BrokerEvent) => void;

/**
 * Carries events between the chat domain and the gateways. The in-memory broker serves one
 * node; a Redis broker (clusters) implements the same interface.
 */
export interface Broker {
  publish(event: BrokerEvent): void;
  subscribe(handler: BrokerHandler): void;
  /** Whether events reach other nodes right now (always true for a single node). */
  healthy(): boolean;
  close(): Promise<void>;
}
