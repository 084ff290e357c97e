import type { IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from "request-filtering-agent";
import { SERVER_VERSION } from "../version.js";

/**
 * Fetches a web page for a link preview without becoming a tool against the server's own
 * network (server-side request forgery). See docs/security.md, "Link previews (SSRF)".
 *
 * Every connection goes through request-filtering-agent (3.2): its createConnection refuses an
 * IP-literal host that is not public unicast, and for a name it wraps the socket's `lookup`, so
 * every address the resolver answers (all of them, with Node's default autoSelectFamily) is
 * checked, and the socket then connects to exactly the address that was checked: net.connect
 * takes the address from that one lookup, there is no second resolution to race. Redirects are
 * followed here, by hand, each as a new request through the same agent (so each is checked the
 * same way), at most MAX_REDIRECTS. node:http rather than undici: the agent fits node:http's
 * Agent hook as it is, and node:http has no cookie jar or credential cache to leak.
 */

export const MAX_REDIRECTS = 3;
export const PAGE_DEADLINE_MS = 5000;
export const MAX_PAGE_BYTES = 512 * 1024;
export const USER_AGENT = `ChatApp/${SERVER_VERSION} (link preview)`;

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
  const maxBytes = options.maxBytes ?? MAX_PAGE_BYTES;
  const agentOptions = {
    keepAlive: false,
    allowPrivateIPAddress: options.allowPrivate === true,
    allowMetaIPAddress: false,
    allowIPAddressList: [...(options.allowAddresses ?? [])],
  };
  const agents = { http: new RequestFilteringHttpAgent(agentOptions), https: new RequestFilteringHttpsAgent(agentOptions) };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineMs);
  try {
    let url = parseHttpUrl(address);
    for (let hop = 0; ; hop++) {
      const response = await get(url, agents, controller.signal, options.lookup);
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && status !== 304) {
        response.destroy();
        const location = response.headers.location;
        if (location === undefined) throw new PageFetchError("http_status", `redirect ${status} without Location`);
        if (hop >= MAX_REDIRECTS) throw new PageFetchError("too_many_redirects", `more than ${MAX_REDIRECTS} redirects`);
        url = parseHttpUrl(location, url);
        continue;
      }
      if (status < 200 || status >= 300) {
        response.destroy();
        throw new PageFetchError("http_status", `status ${status}`);
      }
      const contentType = response.headers["content-type"] ?? "";
      if (mediaType(contentType) !== "text/html") {
        response.destroy();
        throw new PageFetchError("not_html", `content type ${contentType || "(none)"}`);
      }
      const { bytes, truncated } = await readCapped(response, maxBytes, controller.signal);
      return { url: url.href, html: decodeHtml(bytes, contentType), truncated };
    }
  } catch (err) {
    if (controller.signal.aborted) throw new PageFetchError("timeout", `no page within ${deadlineMs} ms`);
    if (err instanceof PageFetchError) throw err;
    const message = (err as Error).message ?? String(err);
    if (/is not allowed/.test(message)) throw new PageFetchError("refused_address", message);
    throw new PageFetchError("network", message);
  } finally {
    clearTimeout(timer);
    agents.http.destroy();
    agents.https.destroy();
  }
}

/** An http(s) URL without credentials (they are never sent), or a PageFetchError. */
function parseHttpUrl(value: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    throw new PageFetchError("bad_url", "not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new PageFetchError("bad_url", `scheme ${url.protocol}`);
  if (url.hostname === "") throw new PageFetchError("bad_url", "no host");
  url.username = "";
  url.password = "";
  url.hash = "";
  return url;
}

function get(
  url: URL,
  agents: { http: RequestFilteringHttpAgent; https: RequestFilteringHttpsAgent },
  signal: AbortSignal,
  lookup: LookupFunction | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === "https:";
    // WHATWG URL has already normalised every spelling of an IPv4 address (2130706433, 127.1,
    // 0x7f.1) to dotted form and IPv6 to its compressed form; brackets off for the socket.
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const options = {
      host,
      port: url.port === "" ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: "GET",
      agent: https ? agents.https : agents.http,
      signal,
      ...(lookup ? { lookup } : {}),
      // Only these headers: no Cookie, no Authorization, nothing from the user.
      headers: {
        "User-Agent": USER_AGENT,
        Accept: "text/html",
        "Accept-Encoding": "gzip, deflate, br",
        "Accept-Language": "en;q=0.9, *;q=0.5",
      },
    };
    const req = https ? httpsRequest(options) : httpRequest(options);
    req.once("response", resolve);
    req.once("error", reject);
    req.end();
  });
}

/** The body up to `max` bytes after decompression; past that, the connection is closed. */
async function readCapped(
  response: IncomingMessage,
  max: number,
  signal: AbortSignal,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  const encoding = (response.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  let source: NodeJS.ReadableStream & { destroy(): void } = response;
  if (encoding === "gzip" || encoding === "x-gzip") source = response.pipe(createGunzip());
  else if (encoding === "deflate") source = response.pipe(createInflate());
  else if (encoding === "br") source = response.pipe(createBrotliDecompress());
  else if (encoding !== "identity" && encoding !== "") {
    response.destroy();
    throw new PageFetchError("not_html", `content encoding ${encoding}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const onAbort = () => {
    response.destroy();
    source.destroy();
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const room = max - size;
      if (chunk.length > room) {
        // More than fits: keep what does and stop reading (a body exactly at the cap reads
        // one more chunk, or the end, to tell).
        chunks.push(chunk.subarray(0, room));
        size = max;
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    response.destroy();
    if (source !== response) source.destroy();
  }
  if (signal.aborted) throw new PageFetchError("timeout", "deadline passed while reading");
  return { bytes: Buffer.concat(chunks, size), truncated };
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
