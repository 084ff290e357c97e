/**
 * @chatapp/client for browsers (and any runtime with a global WebSocket). Node imports
 * resolve to `node.ts`, which brings `ws`.
 */
export { type BackoffOptions, backoffDelay } from "./backoff.js";
export {
  ChatClient,
  type ChatClientEvents,
  type ChatClientOptions,
  type QueuedSend,
  type RestoredState,
  type SendAck,
  type SendOptions,
  type Target,
  type ThreadUpdate,
} from "./client.js";
export type { ConnectionState, WebSocketConstructor, WebSocketLike } from "./connection.js";
export { AccountDisabledError, AuthError, ChatClientError, TokenProviderError } from "./errors.js";
export { authenticate, type Credentials, HttpApi, type UploadOptions, type UploadProgress } from "./http-api.js";
export { applyReaction, withKnownMe } from "./message-reactions.js";
export { type PushSubscriptionJsonLike, pushSubscriptionBody } from "./push-subscription.js";
export { type OwnerLocks, SINGLE_OWNER, type StorageAdapter, type StorageChange } from "./storage/adapter.js";
export {
  deleteIndexedDbStorage,
  type IndexedDbStorageOptions,
  indexedDbStorage,
  listIndexedDbStorages,
  StorageQuotaError,
} from "./storage/indexeddb.js";
export { memoryStorage } from "./storage/memory.js";
export { webLocksOwners } from "./storage/web-locks.js";
