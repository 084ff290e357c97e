import { type ErrorCode, REFUSALS, type RefusalName } from "@chatapp/protocol";
import { isConnectionError } from "../store/dialects/index.js";
import { DraftRefusal } from "../store/draft-refusal.js";
import { ClientIdConflictError, StorageUnavailableError } from "../store/message-writer.js";

/**
 * A refusal the client should hear about, named from the protocol's catalogue (REFUSALS):
 * `code` is what HTTP answers, `socketCode` what an `error` frame says (a conversation you
 * are not in is `not_found` over HTTP and `forbidden` on the socket; neither says whether it
 * exists). Without a message, the catalogue's default is used.
 */
export class ChatError extends Error {
  readonly code: ErrorCode;
  readonly socketCode: ErrorCode;

  constructor(
    readonly refusal: RefusalName,
    message: string = REFUSALS[refusal].message,
  ) {
    super(message);
    this.name = "ChatError";
    this.code = REFUSALS[refusal].code;
    this.socketCode = REFUSALS[refusal].socket;
  }

  static noConversation(): ChatError {
    return new ChatError("no_conversation");
  }

  /** Over a rate limit: the client may try again after `retryAfterMs`. */
  static rateLimited(what: string, retryAfterMs: number): ChatError {
    const err = new ChatError("rate_limited", `${what}: slow down, retry in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`);
    err.retryAfterMs = retryAfterMs;
    return err;
  }

  /** Set on rate_limited: HTTP answers it as Retry-After. */
  retryAfterMs: number | undefined;

  static unavailable(): ChatError {
    return new ChatError("unavailable");
  }
}

/**
 * Turns storage outages into ChatError("unavailable"), a client_id the store can never take
 * into "conflict" (refused for good) and what a send may not name (an upload, a quote, a thread) into
 * "invalid_request"; anything else is passed through.
 */
export function asChatError(err: unknown): unknown {
  if (err instanceof ChatError) return err;
  if (err instanceof ClientIdConflictError) return new ChatError("conflict", err.message);
  if (err instanceof DraftRefusal) return new ChatError("invalid_request", err.message);
  if (err instanceof StorageUnavailableError || isConnectionError(err)) return ChatError.unavailable();
  return err;
}
