import type {
  Attachment,
  AuthResponse,
  Block,
  Conversation,
  ErrorBody,
  Message,
  MuteResponse,
  Pin,
  PinsResponse,
  PushSubscription,
  ReactionsResponse,
  SearchResponse,
  ThreadMessagesResponse,
  User,
  UserStatus,
  VapidPublicKeyResponse,
} from "@chatapp/protocol";
import { AuthError, ChatClientError } from "./errors.js";
import { type PushSubscriptionJsonLike, pushSubscriptionBody } from "./push-subscription.js";

/**
 * Every HTTP endpoint a client calls, with the client's token. One error type: error bodies
 * become ChatClientErrors (with the status), a network failure is `network`, and a token
 * refused even after asking for a fresh one is an AuthError (also told to `onAuthError`).
 */
export class HttpApi {
  /** Whether `fetch` was given (then uploads use it too, never XMLHttpRequest). */
  private readonly customFetch: boolean;

  /**
   * @param token the current token (the one the socket connected with)
   * @param refresh asks the token provider for a new one, after a 401
   */
  constructor(
    private readonly base: string,
    private readonly token: () => Promise<string>,
    private readonly refresh: () => Promise<string>,
    fetchImpl?: typeof fetch,
    private readonly timeoutMs = 15_000,
    private readonly onAuthError: (err: AuthError) => void = () => {},
  ) {
    this.customFetch = fetchImpl !== undefined;
    this.fetchImpl = fetchImpl ?? globalThis.fetch.bind(globalThis);
  }

  private readonly fetchImpl: typeof fetch;

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

  /** The conversation's pins, newest first (each with its message as it is now). */
  async pins(conversationId: number): Promise<Pin[]> {
    return (await this.get<PinsResponse>(`/api/conversations/${conversationId}/pins`)).pins;
  }

  /** Pins a message; pinning a pinned one answers its pin. */
  pin(conversationId: number, messageId: number): Promise<Pin> {
    return this.request("PUT", `/api/conversations/${conversationId}/pins/${messageId}`);
  }

  /** Unpins a message (fine when it was not pinned). */
  unpin(conversationId: number, messageId: number): Promise<void> {
    return this.request("DELETE", `/api/conversations/${conversationId}/pins/${messageId}`);
  }

  /**
   * Blocks a user: no direct messages either way while it lasts (groups are unaffected).
   * Blocking again changes nothing. 400 for oneself, 404 for an unknown user.
   */
  block(userId: number): Promise<void> {
    return this.request("POST", `/api/blocks/${userId}`);
  }

  /** Lifts a block (fine when there was none). */
  unblock(userId: number): Promise<void> {
    return this.request("DELETE", `/api/blocks/${userId}`);
  }

  /** The users this user blocks, newest first. */
  listBlocks(): Promise<Block[]> {
    return this.get("/api/blocks");
  }

  /**
   * Mutes a conversation (notifications only: frames, history and unread counts stay), until
   * `until` (a future time) or, without it, until `unmute`. Muting again replaces the end.
   */
  mute(conversationId: number, until?: Date | string): Promise<MuteResponse> {
    const body = until === undefined ? {} : { until: typeof until === "string" ? until : until.toISOString() };
    return this.request("PUT", `/api/conversations/${conversationId}/mute`, body);
  }

  /** Ends a mute (fine when not muted). */
  unmute(conversationId: number): Promise<void> {
    return this.request("DELETE", `/api/conversations/${conversationId}/mute`);
  }

  /**
   * The server's VAPID public key (base64url of the 65-byte P-256 point): the
   * `applicationServerKey` a browser subscribes with.
   */
  async vapidPublicKey(): Promise<string> {
    return (await this.get<VapidPublicKeyResponse>("/api/push/vapid-public-key")).public_key;
  }

  /**
   * Registers a Web Push subscription for the caller: a browser's `PushSubscription.toJSON()`
   * as it is. The same endpoint again replaces its keys and owner (and answers the same id).
   * One without an endpoint or keys rejects with `invalid_request` before any request.
   */
  async subscribePush(subscription: PushSubscriptionJsonLike): Promise<PushSubscription> {
    const body = pushSubscriptionBody(subscription);
    return this.request("POST", "/api/push/subscriptions", body);
  }

  /** The caller's push subscriptions (every browser or device they turned notifications on in). */
  pushSubscriptions(): Promise<PushSubscription[]> {
    return this.get("/api/push/subscriptions");
  }

  /** Removes one of the caller's push subscriptions; `not_found` when it is not theirs. */
  deletePushSubscription(id: number): Promise<void> {
    return this.request("DELETE", `/api/push/subscriptions/${id}`);
  }

  /** Adds the user's reaction (one emoji) to a message; a repeat changes nothing. */
  react(messageId: number, emoji: string): Promise<ReactionsResponse> {
    return this.request("PUT", `/api/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`);
  }

  /** Takes the user's reaction back; a repeat changes nothing. */
  unreact(messageId: number, emoji: string): Promise<ReactionsResponse> {
    return this.request("DELETE", `/api/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`);
  }

  /**
   * A thread (`?thread=`): its root, and a page of its replies in seq order, after or before a
   * seq (the latest `limit` when neither is given).
   */
  thread(
    conversationId: number,
    rootId: number,
    paging: { after?: number; before?: number; limit?: number } = {},
  ): Promise<ThreadMessagesResponse> {
    const query = new URLSearchParams({ thread: String(rootId), limit: String(paging.limit ?? 50) });
    if (paging.after !== undefined) query.set("after_seq", String(paging.after));
    if (paging.before !== undefined) query.set("before_seq", String(paging.before));
    return this.get(`/api/conversations/${conversationId}/messages?${query}`);
  }

  /** Messages of one's conversations that match the words of `q`. */
  searchMessages(q: string, limit = 30): Promise<SearchResponse> {
    return this.get(`/api/search?${new URLSearchParams({ q, limit: String(limit) })}`);
  }

  /**
   * Uploads a file (`POST /api/uploads`) and resolves with its attachment, to send with a
   * message. `name` defaults to the Blob's own name (a File's) or "file". `onProgress` hears
   * bytes sent: as they go where XMLHttpRequest exists (browsers), otherwise (Node, or a custom
   * `fetch`) once at the start and once at the end. `signal` cancels (the promise rejects with
   * `cancelled`). Errors as every call: `too_large` (413), `rate_limited`, `invalid_request`.
   */
  async upload(file: Blob | Uint8Array, options: UploadOptions = {}): Promise<Attachment> {
    const blob = file instanceof Blob ? file : new Blob([file as Uint8Array<ArrayBuffer>]);
    const name = options.name ?? (typeof (file as { name?: unknown }).name === "string" ? (file as File).name : "file");
    const attempt = async (token: string) => {
      const form = new FormData();
      form.append("file", blob, name);
      return this.sendUpload(form, blob.size, token, options);
    };
    let answer = await attempt(await this.token());
    if (answer.status === 401) answer = await attempt(await this.refresh());
    const parsed = parseBody(answer.status, answer.text);
    if (answer.status >= 200 && answer.status < 300) return parsed as Attachment;
    if (answer.status === 401) {
      const err = new AuthError();
      this.onAuthError(err);
      throw err;
    }
    throw errorOfBody(answer.status, parsed);
  }

  private async sendUpload(
    form: FormData,
    total: number,
    token: string,
    options: UploadOptions,
  ): Promise<{ status: number; text: string }> {
    const timeoutMs = options.timeoutMs ?? UPLOAD_TIMEOUT_MS;
    const progress = options.onProgress;
    const XHR = (globalThis as { XMLHttpRequest?: new () => XhrLike }).XMLHttpRequest;
    if (XHR && !this.customFetch) {
      return new Promise((resolve, reject) => {
        const xhr = new XHR();
        xhr.open("POST", `${this.base}/api/uploads`);
        xhr.setRequestHeader("authorization", `Bearer ${token}`);
        xhr.timeout = timeoutMs;
        xhr.upload.onprogress = (e: { loaded: number }) => progress?.({ loaded: Math.min(e.loaded, total), total });
        xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
        xhr.onerror = () => reject(new ChatClientError("network", "upload failed: network error"));
        xhr.ontimeout = () => reject(new ChatClientError("timeout", `upload took longer than ${timeoutMs} ms`));
        xhr.onabort = () => reject(new ChatClientError("cancelled", "upload cancelled"));
        options.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
        if (options.signal?.aborted) {
          reject(new ChatClientError("cancelled", "upload cancelled"));
          return;
        }
        xhr.send(form);
      });
    }
    progress?.({ loaded: 0, total });
    const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
    try {
      const res = await this.fetchImpl(`${this.base}/api/uploads`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: form,
        signal: AbortSignal.any(signals),
      });
      const text = await res.text();
      if (res.ok) progress?.({ loaded: total, total });
      return { status: res.status, text };
    } catch (err) {
      if (options.signal?.aborted) throw new ChatClientError("cancelled", "upload cancelled");
      throw new ChatClientError("network", `upload failed: ${err instanceof Error ? err.message : String(err)}`);
    }
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

/** What uploads use of XMLHttpRequest (browsers), named here so Node builds need no DOM types. */
interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: FormData): void;
  abort(): void;
  timeout: number;
  readonly status: number;
  readonly responseText: string;
  readonly upload: { onprogress: ((e: { loaded: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  ontimeout: (() => void) | null;
  onabort: (() => void) | null;
}

/** Longest an upload may take by default (a 25 MiB file on a slow link). */
const UPLOAD_TIMEOUT_MS = 10 * 60_000;

export interface UploadProgress {
  /** Bytes sent so far, and of how many (the file's size). */
  loaded: number;
  total: number;
}

export interface UploadOptions {
  /** The file's name (default: a File's own name, else "file"); the server keeps its last path component. */
  name?: string;
  onProgress?: (progress: UploadProgress) => void;
  /** Cancels the upload. */
  signal?: AbortSignal;
  /** Default 10 minutes. */
  timeoutMs?: number;
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
  let text: string;
  try {
    text = await res.text();
  } catch {
    throw new ChatClientError("unavailable", `unexpected answer from the server (HTTP ${res.status})`, res.status);
  }
  return parseBody(res.status, text);
}

function parseBody(status: number, text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    throw new ChatClientError("unavailable", `unexpected answer from the server (HTTP ${status})`, status);
  }
}

/** The server's error body as a ChatClientError. */
function errorOf(res: Response, parsed: unknown): ChatClientError {
  return errorOfBody(res.status, parsed);
}

function errorOfBody(status: number, parsed: unknown): ChatClientError {
  const error = (parsed as ErrorBody | undefined)?.error;
  return new ChatClientError(error?.code ?? "unavailable", error?.message ?? `HTTP ${status}`, status);
}
