/**
 * @chatapp/client for browsers (and any runtime with a global WebSocket). Node imports
 * resolve to `node.ts`, which brings `ws`.
 */
export { type BackoffOptions, backoffDelay } from "./backoff.js";
export {
  ChatClient,
  type ChatClientEvents,
  type ChatClientOptions,
  type ConnectionState,
  type SendAck,
  type Target,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./client.js";
export { AuthError, ChatClientError } from "./errors.js";
export { authenticate, type Credentials, HttpApi } from "./http-api.js";
