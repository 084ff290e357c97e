import type { LookupFunction } from "node:net";
import { OutboundClient, OutboundError } from "../outbound/http-client.js";

/**
 * Fetches a web page for a link preview through the one outbound HTTP client
 * (outbound/http-client.ts: the SSRF guard, deadline and read cap; see docs/security.md,
 * "Link previews (SSRF)"). Here: GET only, redirects followed (each checked like the first),
 * text/html only, the body decoded with its charset.
 */

export const MAX_REDIRECTS = 3;
export const PAGE_DEADLINE_MS = 5000;
export const MAX_PAGE_BYTES = 512 * 1024;

export interface FetchPageOptions {
  /** LINK_PREVIEW_ALLOW_PRIVATE=true: also loopback and private addresses (intranets, tests). */
  allowPrivate?: boolean;
  /** Overall deadline for the page, redirects included. */
  deadlineMs?: number;
  /** Bytes of (decoded) body read at most; the rest is never read. */
  maxBytes?: number;
  /**
   * Tests only: these exact addresses pass even when private (the agent's allowIPAddressList),
   * so a test can serve an "allowed" page from one loopback address and prove that a redirect
   * to another one is refused.
   */
  allowAddresses?: readonly string[];
  /** Tests only: the resolver the agent wraps (its answers are checked like DNS's). */
  lookup?: LookupFunction;
}

export interface FetchedPage {
  /** The page's final address (after redirects), for resolving relative URLs. */
  url: string;
  html: string;
  /** True when the body was longer than the read cap and was cut there. */
  truncated: boolean;
}

/** Why a fetch gave nothing; for logs and tests, never shown to users. */
export class PageFetchError extends Error {
  constructor(
    readonly reason: "bad_url" | "refused_address" | "too_many_redirects" | "timeout" | "http_status" | "not_html" | "network",
    message: string,
  ) {
    super(message);
    this.name = "PageFetchError";
  }
}

/** Resolves to the page's HTML, or rejects with a PageFetchError. */
export async function fetchPage(address: string, options: FetchPageOptions = {}): Promise<FetchedPage> {
  const deadlineMs = options.deadlineMs ?? PAGE_DEADLINE_MS;
  const client = new OutboundClient({
    purpose: "link preview",
    allowPrivate: options.allowPrivate === true,
    ...(options.allowAddresses ? { allowAddresses: options.allowAddresses } : {}),
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });
  try {
    const response = await client.request(address, {
      method: "GET",
      // Only these headers: no Cookie, no Authorization, nothing from the user.
      headers: { Accept: "text/html", "Accept-Language": "en;q=0.9, *;q=0.5" },
      timeoutMs: deadlineMs,
      maxResponseBytes: options.maxBytes ?? MAX_PAGE_BYTES,
      oversize: "truncate",
      maxRedirects: MAX_REDIRECTS,
      decompress: true,
      wantBody: (status, headers) => isOk(status) && mediaType(headers["content-type"] ?? "") === "text/html",
    });
    const status = response.status;
    if (status >= 300 && status < 400 && status !== 304)
      throw new PageFetchError("http_status", `redirect ${status} without Location`);
    if (!isOk(status)) throw new PageFetchError("http_status", `status ${status}`);
    const contentType = response.headers["content-type"] ?? "";
    if (mediaType(contentType) !== "text/html") throw new PageFetchError("not_html", `content type ${contentType || "(none)"}`);
    return { url: response.url, html: decodeHtml(response.body, contentType), truncated: response.truncated };
  } catch (err) {
    if (!(err instanceof OutboundError)) throw err;
    throw new PageFetchError(pageReason(err), err.reason === "timeout" ? `no page within ${deadlineMs} ms` : err.message);
  } finally {
    client.close();
  }
}

function pageReason(err: OutboundError): PageFetchError["reason"] {
  switch (err.reason) {
    case "bad_url":
    case "refused_address":
    case "too_many_redirects":
    case "timeout":
    case "network":
      return err.reason;
    case "connect_timeout":
      return "timeout";
    case "bad_encoding":
    case "too_large":
      return "not_html";
  }
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

function mediaType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/**
 * Decodes with the charset of Content-Type, else a byte-order mark, else a <meta> charset in
 * the first 1,024 bytes (the HTML prescan, simplified), else UTF-8. Unknown labels fall back
 * to UTF-8; malformed bytes become U+FFFD (TextDecoder never throws with fatal: false).
 */
export function decodeHtml(bytes: Uint8Array, contentType: string): string {
  const label = charsetOf(contentType) ?? bomCharset(bytes) ?? metaCharset(bytes) ?? "utf-8";
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}

function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1]?.toLowerCase();
}

function bomCharset(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  return undefined;
}

function metaCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString("latin1");
  const direct = /<meta[^>]*?\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  return direct?.[1]?.toLowerCase();
}
