/** @chatapp/client for Node: the same client, with `ws` as its WebSocket. */
import WebSocket from "ws";
import { ChatClient as BaseClient, type ChatClientOptions } from "./client.js";
import type { WebSocketConstructor } from "./connection.js";

export class ChatClient extends BaseClient {
  constructor(options: ChatClientOptions) {
    super({ WebSocket: WebSocket as unknown as WebSocketConstructor, ...options });
  }
}

export { type BackoffOptions, backoffDelay } from "./backoff.js";
export type {
  ChatClientEvents,
  ChatClientOptions,
  QueuedSend,
  RestoredState,
  SendAck,
  SendOptions,
  Target,
  ThreadUpdate,
} from "./client.js";
export type { ConnectionState, WebSocketConstructor, WebSocketLike } from "./connection.js";
export { AccountDisabledError, AuthError, ChatClientError, TokenProviderError } from "./errors.js";
export { authenticate, type Credentials, HttpApi, type UploadOptions, type UploadProgress } from "./http-api.js";
export { applyReaction, withKnownMe } from "./message-reactions.js";
export { type PushSubscriptionJsonLike, pushSubscriptionBody } from "./push-subscription.js";
export { type OwnerLocks, SINGLE_OWNER, type StorageAdapter, type StorageChange } from "./storage/adapter.js";
// Node only (node:fs): index.ts, which browsers bundle, does not export it.
export { type FileStorage, type FileStorageOptions, fileStorage } from "./storage/file.js";
export { memoryStorage } from "./storage/memory.js";
