import type { ErrorBody } from "@chatapp/protocol";
import { AuthError, ChatClientError } from "./errors.js";

/** The HTTP API with the client's token; error bodies become ChatClientErrors. */
export class HttpApi {
  constructor(
    private readonly base: string,
    private readonly token: () => Promise<string>,
    private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
  ) {}

  async get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${await this.token()}` };
      if (body !== undefined) headers["content-type"] = "application/json";
      res = await this.fetchImpl(this.base + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch (err) {
      throw new ChatClientError("network", `request failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (res.ok) return parsed as T;
    if (res.status === 401) throw new AuthError();
    const error = (parsed as ErrorBody | undefined)?.error;
    throw new ChatClientError(error?.code ?? "unavailable", error?.message ?? `HTTP ${res.status}`, res.status);
  }
}
