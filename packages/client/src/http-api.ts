import type { ErrorBody } from "@chatapp/protocol";
import { AuthError, ChatClientError } from "./errors.js";

/** The HTTP API with the client's token; error bodies become ChatClientErrors. */
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
  ) {}

  async get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res = await this.send(method, path, body, await this.token());
    // A token may have expired since the socket connected: ask for a new one once.
    if (res.status === 401) res = await this.send(method, path, body, await this.refresh());
    let parsed: unknown;
    try {
      const text = await res.text();
      parsed = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      throw new ChatClientError("unavailable", `unexpected answer from the server (HTTP ${res.status})`, res.status);
    }
    if (res.ok) return parsed as T;
    if (res.status === 401) throw new AuthError();
    const error = (parsed as ErrorBody | undefined)?.error;
    throw new ChatClientError(error?.code ?? "unavailable", error?.message ?? `HTTP ${res.status}`, res.status);
  }

  private async send(method: string, path: string, body: unknown, token: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      return await this.fetchImpl(this.base + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ChatClientError("network", `request failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
