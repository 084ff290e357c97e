/**
 * The one catalogue of refusals. Each entry is a reason the server refuses something, with
 * the code and HTTP status it answers with over HTTP (`{"error":{code,message}}`), the code
 * it answers with on the socket (an `error` frame), and the message used when the refusal
 * has nothing more specific to say. Servers, the SDK and the web client use the names; the
 * per-transport difference lives here, not in the code that answers. docs/protocol.md lists
 * the same table, and a test checks that they agree.
 */
export const REFUSALS = {
  invalid_frame: { code: "invalid_frame", status: 400, socket: "invalid_frame", message: "the frame is not valid" },
  invalid_request: { code: "invalid_request", status: 400, socket: "invalid_frame", message: "the request is not valid" },
  unauthorized: { code: "unauthorized", status: 401, socket: "unauthorized", message: "invalid or missing token" },
  forbidden: { code: "forbidden", status: 403, socket: "forbidden", message: "not allowed" },
  /** The token's user is inactive (banned, deactivated) or erased (integrations §1). */
  account_disabled: {
    code: "account_disabled",
    status: 403,
    socket: "account_disabled",
    message: "this account is disabled",
  },
  not_found: { code: "not_found", status: 404, socket: "not_found", message: "not found" },
  /** Not a member, or no such conversation: the same answer, so it tells nothing. */
  no_conversation: {
    code: "not_found",
    status: 404,
    socket: "forbidden",
    message: "no such conversation, or you are not a member",
  },
  /**
   * A direct send or a new direct conversation between two users while either blocks the
   * other (integrations §3): `forbidden`, saying no more, so the blocked user is not told.
   */
  blocked: { code: "forbidden", status: 403, socket: "forbidden", message: "you cannot send to this conversation" },
  conflict: { code: "conflict", status: 409, socket: "conflict", message: "conflicts with what is stored" },
  /** A reaction to a deleted or system message: a conflict over HTTP, a bad frame on the socket (contract §8). */
  not_reactable: {
    code: "conflict",
    status: 409,
    socket: "invalid_frame",
    message: "a deleted or system message takes no reactions",
  },
  /** The before-send hook refused the message or edit (contract §2); the message is its reason. */
  rejected: { code: "rejected", status: 422, socket: "rejected", message: "rejected by the before-send hook" },
  too_large: { code: "too_large", status: 413, socket: "too_large", message: "too large" },
  rate_limited: { code: "rate_limited", status: 429, socket: "rate_limited", message: "too many requests: slow down" },
  internal: { code: "internal", status: 500, socket: "unavailable", message: "internal server error" },
  unavailable: {
    code: "unavailable",
    status: 503,
    socket: "unavailable",
    message: "storage is unavailable: nothing was stored, retry later",
  },
  /** The before-send hook failed and BEFORE_SEND_FAILURE=reject: the client retries with the same client_id. */
  hook_unavailable: {
    code: "unavailable",
    status: 503,
    socket: "unavailable",
    message: "the before-send hook did not answer: nothing was stored, retry later",
  },
} as const satisfies Record<string, { code: string; status: number; socket: string; message: string }>;

export type RefusalName = keyof typeof REFUSALS;

/** The codes clients see, on either transport. */
export type ErrorCode = (typeof REFUSALS)[RefusalName]["code"];

/** Each code's HTTP status. */
export const ERROR_STATUS = Object.fromEntries(Object.values(REFUSALS).map((r) => [r.code, r.status])) as Record<
  ErrorCode,
  number
>;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** WebSocket close codes, by name. */
export const CLOSE = {
  /** The client closed the socket itself. */
  NORMAL: 1000,
  /** A frame over the socket's size limit (ws closes with this by itself). */
  TOO_LARGE: 1009,
  /** Over a rate limit again and again. */
  POLICY: 1008,
  /** The server restarts, or the cluster link came back: reconnect and resume. */
  RESTART: 1012,
  /** The socket read too slowly for its traffic: reconnect and fetch what was missed. */
  SLOW_CONSUMER: 1013,
  /** The SDK dropped the socket itself (to reconnect). */
  CLIENT_DROPPED: 4000,
  /** The token the socket was opened with expired: fetch a fresh one and reconnect. */
  TOKEN_EXPIRED: 4001,
  /** The account was deactivated, banned or erased: do not reconnect with the same token. */
  ACCOUNT_DISABLED: 4003,
} as const;
