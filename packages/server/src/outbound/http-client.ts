import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from "request-filtering-agent";
import { SERVER_VERSION } from "../version.js";

/**
 * The one outbound HTTP client: link previews, webhook deliveries and the before-send hook all
 * leave the server through it, so they share one SSRF guard, one set of deadlines and one cap
 * on what is read back. See docs/security.md, "Outbound HTTP (SSRF)".
 *
 * Every connection goes through request-filtering-agent (3.2): its createConnection refuses an
 * IP-literal host that is not public unicast, and for a name it wraps the socket's `lookup`, so
 * every address the resolver answers (all of them, with Node's default autoSelectFamily) is
 * checked, and the socket then connects to exactly the address that was checked: net.connect
 * takes the address from that one lookup, there is no second resolution to race. A kept-alive
 * socket was checked when it was opened, so reusing it is as safe as opening it. Redirects are
 * followed only for GET and only when asked (`maxRedirects`), each as a new request through the
 * same agent (so each is checked the same way); a POST's 3xx is its answer. node:http rather
 * than undici: the agent fits node:http's Agent hook as it is, and node:http has no cookie jar
 * or credential cache to leak.
 */

export interface OutboundClientOptions {
  /** Names the caller in the User-Agent: `ChatApp/<version> (<purpose>)`. */
  purpose: string;
  /** Also loopback and private addresses (intranets, an admin-configured hook, tests). */
  allowPrivate?: boolean;
  /**
   * Tests only: these exact addresses pass even when private (the agent's allowIPAddressList),
   * so a test can serve an "allowed" page from one loopback address and prove that a redirect
   * to another one is refused.
   */
  allowAddresses?: readonly string[];
  /** Tests only: the resolver the agent wraps (its answers are checked like DNS's). */
  lookup?: LookupFunction;
  /** Keep connections open between requests (one peer called often: webhooks, the hook). */
  keepAlive?: boolean;
  /** Open sockets per host at most (keepAlive clients); requests past it wait for one. */
  maxSockets?: number;
}

export interface OutboundRequest {
  method?: "GET" | "POST";
  /** Sent as given, besides User-Agent and Content-Length. Nothing of a user's is ever added. */
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The whole exchange, redirects and the body's reading included. */
  timeoutMs: number;
  /** From the socket's creation to its TCP connection; default min(timeoutMs, 5000). */
  connectTimeoutMs?: number;
  /** Bytes of (decoded) response body read at most. */
  maxResponseBytes: number;
  /** Past maxResponseBytes: keep what fits and stop ("truncate"), or fail with too_large. */
  oversize?: "truncate" | "error";
  /** GET only: redirects followed at most (default 0: a 3xx is the answer). */
  maxRedirects?: number;
  /** Ask for and decode gzip, deflate and br (the cap applies after decoding). */
  decompress?: boolean;
  /** Called with the final answer's status and headers; false: the body is not read. */
  wantBody?: (status: number, headers: IncomingHttpHeaders) => boolean;
}

export interface OutboundResponse {
  /** The final address (after redirects). */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** True when the body was longer than the cap and was cut there. */
  truncated: boolean;
}

export type OutboundFailure =
  | "bad_url"
  | "refused_address"
  | "too_many_redirects"
  | "connect_timeout"
  | "timeout"
  | "too_large"
  | "bad_encoding"
  | "network";

/** Why a request gave no answer; for logs, metrics and tests, never shown to users. */
export class OutboundError extends Error {
  constructor(
    readonly reason: OutboundFailure,
    message: string,
  ) {
    super(message);
    this.name = "OutboundError";
  }
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

type Agents = { http: RequestFilteringHttpAgent; https: RequestFilteringHttpsAgent };

export class OutboundClient {
  readonly userAgent: string;
  private readonly agents: Agents;

  constructor(private readonly options: OutboundClientOptions) {
    this.userAgent = `ChatApp/${SERVER_VERSION} (${options.purpose})`;
    const agentOptions = {
      keepAlive: options.keepAlive === true,
      ...(options.maxSockets !== undefined ? { maxSockets: options.maxSockets } : {}),
      allowPrivateIPAddress: options.allowPrivate === true,
      allowMetaIPAddress: false,
      allowIPAddressList: [...(options.allowAddresses ?? [])],
    };
    this.agents = { http: new RequestFilteringHttpAgent(agentOptions), https: new RequestFilteringHttpsAgent(agentOptions) };
  }

  /** Resolves to the answer (any status), or rejects with an OutboundError. */
  async request(address: string, request: OutboundRequest): Promise<OutboundResponse> {
    const method = request.method ?? "GET";
    const maxRedirects = method === "GET" ? (request.maxRedirects ?? 0) : 0;
    const controller = new AbortController();
    const phase = { connectTimedOut: false };
    const timer = setTimeout(() => controller.abort(), request.timeoutMs);
    try {
      let url = parseHttpUrl(address);
      for (let hop = 0; ; hop++) {
        const response = await this.send(url, method, request, controller, phase);
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (maxRedirects > 0 && status >= 300 && status < 400 && status !== 304 && location !== undefined) {
          response.destroy();
          if (hop >= maxRedirects) throw new OutboundError("too_many_redirects", `more than ${maxRedirects} redirects`);
          url = parseHttpUrl(location, url);
          continue;
        }
        if (request.wantBody && !request.wantBody(status, response.headers)) {
          response.destroy();
          return { url: url.href, status, headers: response.headers, body: Buffer.alloc(0), truncated: false };
        }
        const { bytes, truncated } = await readCapped(response, request, controller.signal);
        return { url: url.href, status, headers: response.headers, body: bytes, truncated };
      }
    } catch (err) {
      if (phase.connectTimedOut) throw new OutboundError("connect_timeout", "no connection within the connect timeout");
      if (controller.signal.aborted) throw new OutboundError("timeout", `no answer within ${request.timeoutMs} ms`);
      if (err instanceof OutboundError) throw err;
      const message = (err as Error).message ?? String(err);
      if (/is not allowed/.test(message)) throw new OutboundError("refused_address", message);
      throw new OutboundError("network", message);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes kept-alive sockets; requests after this still work (they open new ones). */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private send(
    url: URL,
    method: "GET" | "POST",
    request: OutboundRequest,
    controller: AbortController,
    phase: { connectTimedOut: boolean },
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const https = url.protocol === "https:";
      // WHATWG URL has already normalised every spelling of an IPv4 address (2130706433, 127.1,
      // 0x7f.1) to dotted form and IPv6 to its compressed form; brackets off for the socket.
      const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
      const body = request.body === undefined ? undefined : Buffer.from(request.body);
      const headers: Record<string, string> = {
        ...request.headers,
        "User-Agent": this.userAgent,
        ...(request.decompress ? { "Accept-Encoding": "gzip, deflate, br" } : {}),
        ...(body !== undefined ? { "Content-Length": String(body.length) } : {}),
      };
      const options = {
        host,
        port: url.port === "" ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method,
        agent: https ? this.agents.https : this.agents.http,
        signal: controller.signal,
        ...(this.options.lookup ? { lookup: this.options.lookup } : {}),
        headers,
      };
      const req = https ? httpsRequest(options) : httpRequest(options);
      req.once("socket", (socket) => {
        // A kept-alive socket is already connected; a new one gets its own, shorter deadline,
        // so a peer that never accepts fails fast and says so.
        if (!socket.connecting) return;
        const connectTimer = setTimeout(
          () => {
            phase.connectTimedOut = true;
            controller.abort();
          },
          Math.min(request.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, request.timeoutMs),
        );
        const clear = () => clearTimeout(connectTimer);
        socket.once("connect", clear);
        socket.once("close", clear);
      });
      req.once("response", resolve);
      req.once("error", reject);
      req.end(body);
    });
  }
}

/** An http(s) URL without credentials (they are never sent), or an OutboundError. */
export function parseHttpUrl(value: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    throw new OutboundError("bad_url", "not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new OutboundError("bad_url", `scheme ${url.protocol}`);
  if (url.hostname === "") throw new OutboundError("bad_url", "no host");
  url.username = "";
  url.password = "";
  url.hash = "";
  return url;
}

/** The body up to the cap after decompression; past that, the connection is closed. */
async function readCapped(
  response: IncomingMessage,
  request: OutboundRequest,
  signal: AbortSignal,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  const max = request.maxResponseBytes;
  const encoding = request.decompress ? (response.headers["content-encoding"] ?? "identity").trim().toLowerCase() : "identity";
  let source: NodeJS.ReadableStream & { destroy(): void } = response;
  if (encoding === "gzip" || encoding === "x-gzip") source = response.pipe(createGunzip());
  else if (encoding === "deflate") source = response.pipe(createInflate());
  else if (encoding === "br") source = response.pipe(createBrotliDecompress());
  else if (encoding !== "identity" && encoding !== "") {
    response.destroy();
    throw new OutboundError("bad_encoding", `content encoding ${encoding}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const onAbort = () => {
    response.destroy();
    source.destroy();
  };
  signal.addEventListener("abort", onAbort, { once: true });
  let complete = false;
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
    complete = !truncated;
  } finally {
    signal.removeEventListener("abort", onAbort);
    // A body read to its end leaves the socket to the agent (kept alive when asked); one cut
    // short is closed, so nothing more of it is read.
    if (!complete) response.destroy();
    if (source !== response) source.destroy();
  }
  if (signal.aborted) throw new OutboundError("timeout", "deadline passed while reading");
  if (truncated && request.oversize === "error") throw new OutboundError("too_large", `answer longer than ${max} bytes`);
  return { bytes: Buffer.concat(chunks, size), truncated };
}
