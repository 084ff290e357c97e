import { type DatabaseConfig, describeDatabase } from "./config.js";

/** A start-up failure as a sentence that says what to do next. */
export function explainStartupError(err: unknown, db: DatabaseConfig): string {
  const code = typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : "";
  const where = describeDatabase(db);
  switch (code) {
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
      return `cannot reach the database at ${where}: is it running? Check DATABASE_URL (or DB_HOST/DB_PORT).`;
    case "ER_ACCESS_DENIED_ERROR":
    case "28P01":
    case "28000":
      return `the database at ${where} refused the login: check the user and password in DATABASE_URL (or DB_USER/DB_PASSWORD).`;
    case "ER_BAD_DB_ERROR":
    case "3D000":
      return `the database at ${where} does not exist and could not be created: create it, or grant the user CREATE.`;
    case "EADDRINUSE":
      return "the port is already in use: stop the other process or set PORT.";
    case "EACCES":
      return "no permission to listen on that port or to write the database file: check PORT and DATABASE_URL.";
    case "SQLITE_CANTOPEN":
      return `cannot open the SQLite file ${where}: check the path and its folder's permissions.`;
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
