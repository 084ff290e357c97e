import { errorCode } from "./adapter.js";

/**
 * Errors that mean "the database is not answering" rather than "this query is wrong":
 * callers turn them into `unavailable` (nothing stored, retry later). One list for all
 * dialects: the codes do not overlap, and callers have no adapter at hand.
 */
export function isConnectionError(err: unknown): boolean {
  const c = errorCode(err);
  if (c === undefined) {
    const message = err instanceof Error ? err.message : "";
    return /connection|terminat|timeout|closed|destroyed|ECONNREFUSED/i.test(message);
  }
  return (
    [
      "ECONNREFUSED",
      "ECONNRESET",
      "ETIMEDOUT",
      "EPIPE",
      "ENOTFOUND",
      "EHOSTUNREACH",
      "PROTOCOL_CONNECTION_LOST",
      "PROTOCOL_SEQUENCE_TIMEOUT",
      "ER_CON_COUNT_ERROR",
      "SQLITE_BUSY",
      "SQLITE_IOERR",
      "SQLITE_FULL",
      "SQLITE_THREAD_EXITED",
      "57P01",
      "57P02",
      "57P03",
      "53300",
      "08000",
      "08003",
      "08006",
    ].includes(c) || c.startsWith("08")
  );
}
