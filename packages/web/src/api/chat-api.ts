import type { Conversation, Message, SearchResponse, User } from "@chatapp/protocol";
import { ApiError, requestJson } from "./http.js";

/**
 * The HTTP API calls the SDK does not make: the directory, creating and changing
 * conversations, edits, deletes and search. A 401 means the session is over.
 */
export class ChatApi {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void,
  ) {}

  user(id: number): Promise<User> {
    return this.call("GET", `/api/users/${id}`);
  }

  searchUsers(query: string): Promise<User[]> {
    return this.call("GET", `/api/users?${new URLSearchParams({ query, limit: "20" })}`);
  }

  conversation(id: number): Promise<Conversation> {
    return this.call("GET", `/api/conversations/${id}`);
  }

  /** The direct conversation with a user: the existing one, or a new one. */
  directWith(userId: number): Promise<Conversation> {
    return this.call("POST", "/api/conversations", { kind: "direct", user_id: userId });
  }

  createGroup(title: string, memberIds: number[]): Promise<Conversation> {
    return this.call("POST", "/api/conversations", { kind: "group", title, member_ids: memberIds });
  }

  addMembers(conversationId: number, userIds: number[]): Promise<Conversation> {
    return this.call("POST", `/api/conversations/${conversationId}/members`, { user_ids: userIds });
  }

  /** Removes a member (owners), or leaves when `userId` is one's own. */
  removeMember(conversationId: number, userId: number): Promise<void> {
    return this.call("DELETE", `/api/conversations/${conversationId}/members/${userId}`);
  }

  editMessage(id: number, content: string): Promise<Message> {
    return this.call("PATCH", `/api/messages/${id}`, { content });
  }

  deleteMessage(id: number): Promise<Message> {
    return this.call("DELETE", `/api/messages/${id}`);
  }

  searchMessages(q: string): Promise<SearchResponse> {
    return this.call("GET", `/api/search?${new URLSearchParams({ q, limit: "30" })}`);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await requestJson<T>(method, path, { token: this.token, body });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.onUnauthorized();
      throw err;
    }
  }
}
