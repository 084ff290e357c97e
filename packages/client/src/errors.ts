import type { ErrorCode } from "@chatapp/protocol";

/** The server refused something (an `error` frame or an HTTP error body). */
export class ChatClientError extends Error {
  constructor(
    readonly code: ErrorCode | "timeout" | "closed" | "network" | "token_provider" | "cancelled" | "storage",
    message: string,
    readonly status?: number,
    /** For a send: its client_id, to retry it with `send(…, {clientId})` without a duplicate. */
    readonly clientId?: string,
  ) {
    super(message);
    this.name = "ChatClientError";
  }
}

/** The token was refused: the client stops reconnecting until `connect()` is called again. */
export class AuthError extends ChatClientError {
  constructor(message = "the server refused the token") {
    super("unauthorized", message, 401);
    this.name = "AuthError";
  }
}

/**
 * The account is deactivated, banned or erased (the socket closed with 4003, or the server
 * answered 403 `account_disabled`): the client stops, as reconnecting with the same token
 * cannot succeed, until `connect()` is called again.
 */
export class AccountDisabledError extends ChatClientError {
  constructor(message = "this account is disabled") {
    super("account_disabled", message, 403);
    this.name = "AccountDisabledError";
  }
}

/**
 * The token provider threw (or rejected). `cause` holds what it threw. Before the first
 * connection this stops the client (a misconfigured provider fails fast); afterwards the
 * client goes on retrying with backoff and reports each failure as an `error` event.
 */
export class TokenProviderError extends ChatClientError {
  constructor(override readonly cause: unknown) {
    super("token_provider", `the token provider failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "TokenProviderError";
  }
}
