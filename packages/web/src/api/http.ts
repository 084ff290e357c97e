import type { ErrorBody } from "@chatapp/protocol";

/** An HTTP error answer, with the server's error code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * One JSON request to the server's HTTP API (same origin). Error bodies become ApiErrors;
 * a network failure is an ApiError with status 0.
 */
export async function requestJson<T>(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection and try again.");
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError(res.status, "unavailable", `Unexpected answer from the server (HTTP ${res.status}).`);
  }
  if (res.ok) return parsed as T;
  const error = (parsed as ErrorBody | undefined)?.error;
  throw new ApiError(res.status, error?.code ?? "unavailable", error?.message ?? `HTTP ${res.status}`);
}
