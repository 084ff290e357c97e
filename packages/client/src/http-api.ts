import type { AuthResponse, Conversation, ErrorBody, Message, SearchResponse, User, UserStatus } from "@chatapp/protocol";
import { AuthError, ChatClientError } from "./errors.js";

/**
 * Every HTTP endpoint a client calls, with the client's token. One error type: error bodies
 * become ChatClientErrors (with the status), a network failure is `network`, and a token
 * refused even after asking for a fresh one is an AuthError (also told to `onAuthError`).
 */
export class HttpApi {
  /**
   * @param token the current token (the one the socket connected with)
   * @param refresh asks the token provider for a new one, after a 401
   */
  constructor(
    private readonly base: string,
    private readonly token: () => Promise<string>,
    private readonly refresh: () => Promise<string>,
    private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
    private readonly timeoutMs = 15_000,
    private readonly onAuthError: (err: AuthError) => void = () => {},
  ) {}

  /**
   * A fresh token for the current one while it is still valid (POST /api/auth/refresh), so a
   * long-lived client stays logged in: local accounts only (403 for another system's users).
   */
  refreshToken(): Promise<AuthResponse> {
    return this.request("POST", "/api/auth/refresh");
  }

  /** A user by id (also former members of one's groups). */
  user(id: number): Promise<User> {
    return this.get(`/api/users/${id}`);
  }

  /** Users whose username or display name contains `query`. */
  searchUsers(query: string, limit = 20): Promise<User[]> {
    return this.get(`/api/users?${new URLSearchParams({ query, limit: String(limit) })}`);
  }

  /**
   * Presence and `last_seen` of the caller and everyone who shares a conversation with them
   * (or of one of them, with `userId`).
   */
  statuses(userId?: number): Promise<UserStatus[]> {
    return this.get(`/api/users/status${userId === undefined ? "" : `?user_id=${userId}`}`);
  }

  /**
   * One page of the caller's conversations, most recently active first; the next page starts
   * below the last one of this page (`before`: its `last_activity` and `id`).
   */
  conversations(options: { limit?: number; before?: { last_activity: string; id: number } } = {}): Promise<Conversation[]> {
    const query = new URLSearchParams({ limit: String(options.limit ?? 50) });
    if (options.before) {
      query.set("before_activity", options.before.last_activity);
      query.set("before_id", String(options.before.id));
    }
    return this.get(`/api/conversations?${query}`);
  }

  /** Owners rename a group. */
  renameGroup(conversationId: number, title: string): Promise<Conversation> {
    return this.request("PATCH", `/api/conversations/${conversationId}`, { title });
  }

  /** One conversation, with every member (a group's members are only summarised in the list). */
  conversation(id: number): Promise<Conversation> {
    return this.get(`/api/conversations/${id}`);
  }

  /** The direct conversation with a user: the existing one, or a new one. */
  directWith(userId: number): Promise<Conversation> {
    return this.request("POST", "/api/conversations", { kind: "direct", user_id: userId });
  }

  createGroup(title: string, memberIds: number[]): Promise<Conversation> {
    return this.request("POST", "/api/conversations", { kind: "group", title, member_ids: memberIds });
  }

  addMembers(conversationId: number, userIds: number[]): Promise<Conversation> {
    return this.request("POST", `/api/conversations/${conversationId}/members`, { user_ids: userIds });
  }

  /** Removes a member (owners), or leaves when `userId` is one's own. */
  removeMember(conversationId: number, userId: number): Promise<void> {
    return this.request("DELETE", `/api/conversations/${conversationId}/members/${userId}`);
  }

  editMessage(id: number, content: string): Promise<Message> {
    return this.request("PATCH", `/api/messages/${id}`, { content });
  }

  deleteMessage(id: number): Promise<Message> {
    return this.request("DELETE", `/api/messages/${id}`);
  }

  /** Messages of one's conversations that match the words of `q`. */
  searchMessages(q: string, limit = 30): Promise<SearchResponse> {
    return this.get(`/api/search?${new URLSearchParams({ q, limit: String(limit) })}`);
  }

  async get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res = await this.send(method, path, body, await this.token());
    // A token may have expired since the socket connected: ask for a new one once.
    if (res.status === 401) res = await this.send(method, path, body, await this.refresh());
    const parsed = await bodyOf(res);
    if (res.ok) return parsed as T;
    if (res.status === 401) {
      const err = new AuthError();
      this.onAuthError(err);
      throw err;
    }
    throw errorOf(res, parsed);
  }

  private send(method: string, path: string, body: unknown, token: string): Promise<Response> {
    return fetchJson(this.fetchImpl, this.base + path, method, body, token, this.timeoutMs);
  }
}

export interface Credentials {
  username: string;
  password: string;
  /** Registration only. */
  displayName?: string | undefined;
}

/**
 * Logs in or registers (no token needed): both answer with a token and the user. `baseUrl`
 * is the server's HTTP address ("" for the page's own origin in a browser).
 */
export async function authenticate(
  mode: "login" | "register",
  credentials: Credentials,
  options: { baseUrl?: string; fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<AuthResponse> {
  const body: Record<string, string> = { username: credentials.username, password: credentials.password };
  if (mode === "register" && credentials.displayName) body.display_name = credentials.displayName;
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const res = await fetchJson(
    fetchImpl,
    `${options.baseUrl ?? ""}/api/auth/${mode}`,
    "POST",
    body,
    undefined,
    options.timeoutMs ?? 15_000,
  );
  const parsed = await bodyOf(res);
  if (res.ok) return parsed as AuthResponse;
  throw errorOf(res, parsed);
}

async function fetchJson(
  fetchImpl: typeof fetch,
  url: string,
  method: string,
  body: unknown,
  token: string | undefined,
  timeoutMs: number,
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  try {
    return await fetchImpl(url, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new ChatClientError("network", `request failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The answer's JSON body (undefined when empty); one that is not JSON is `unavailable`. */
async function bodyOf(res: Response): Promise<unknown> {
  try {
    const text = await res.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    throw new ChatClientError("unavailable", `unexpected answer from the server (HTTP ${res.status})`, res.status);
  }
}

/** The server's error body as a ChatClientError. */
function errorOf(res: Response, parsed: unknown): ChatClientError {
  const error = (parsed as ErrorBody | undefined)?.error;
  return new ChatClientError(error?.code ?? "unavailable", error?.message ?? `HTTP ${res.status}`, res.status);
}
