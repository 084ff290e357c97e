import Database from "better-sqlite3";
import { PASSWORD } from "./app-driver.js";

/**
 * Helpers that set up data over the HTTP API (fast), for scenarios a person would take long to
 * type. `server.http` is the test server's: a request as a user, JSON in and out.
 */
export interface HttpAsUser {
  http(path: string, init?: RequestInit & { userId?: number; json?: unknown }): Promise<{ status: number; body: any }>;
}

/** A local account made over the API (quicker than the form), with the tests' password; its id. */
export async function registerOverApi(server: HttpAsUser, username: string, displayName: string): Promise<number> {
  const { status, body } = await server.http("/api/auth/register", {
    method: "POST",
    json: { username, password: PASSWORD, display_name: displayName },
  });
  if (status !== 201) throw new Error(`register ${username}: ${status}`);
  return (body as { user: { id: number } }).user.id;
}

export async function userId(server: HttpAsUser, username: string, asUser: number): Promise<number> {
  const { body } = await server.http(`/api/users?query=${encodeURIComponent(username)}`, { userId: asUser });
  const user = (body as { id: number; username: string }[]).find((u) => u.username === username);
  if (!user) throw new Error(`no user ${username}`);
  return user.id;
}

export async function directConversation(server: HttpAsUser, from: number, to: number): Promise<number> {
  const { body } = await server.http("/api/conversations", {
    method: "POST",
    userId: from,
    json: { kind: "direct", user_id: to },
  });
  return (body as { id: number }).id;
}

/** Sends messages one after another, as `from`. */
export async function sendMany(server: HttpAsUser, from: number, conversationId: number, contents: string[]): Promise<void> {
  for (const content of contents) {
    const { status } = await server.http(`/api/conversations/${conversationId}/messages`, {
      method: "POST",
      userId: from,
      json: { content },
    });
    if (status !== 201) throw new Error(`send failed with ${status}`);
  }
}

/**
 * Moves messages back in time in the SQLite file, one minute apart ending `daysAgo` days ago:
 * the API stamps messages with the server's clock, and day separators need older days.
 */
export function backdate(sqlitePath: string, conversationId: number, seqs: number[], daysAgo: number): void {
  const db = new Database(sqlitePath);
  try {
    const end = Date.now() - daysAgo * 86_400_000;
    const update = db.prepare("UPDATE messages SET created_at = ? WHERE conversation_id = ? AND seq = ?");
    for (const [i, seq] of seqs.entries()) update.run(end - (seqs.length - 1 - i) * 60_000, conversationId, seq);
  } finally {
    db.close();
  }
}
