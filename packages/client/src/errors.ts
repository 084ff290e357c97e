import type { ErrorCode } from "@chatapp/protocol";

/** The server refused something (an `error` frame or an HTTP error body). */
export class ChatClientError extends Error {
  constructor(
    readonly code: ErrorCode | "timeout" | "closed" | "network",
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
