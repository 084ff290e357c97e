import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { OutboundClient, OutboundError } from "../src/outbound/http-client.js";
import { SERVER_VERSION } from "../src/version.js";

// The one outbound HTTP client (webhooks, the before-send hook, link previews) against real
// local servers: the SSRF guard, the deadlines, the read cap, no redirects for a POST.

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Peer {
  base: string;
  seen: Seen[];
  connections: number;
  close(): Promise<void>;
}

const peers: Peer[] = [];

async function peer(handler: (seen: Seen, res: ServerResponse) => void): Promise<Peer> {
  const state: Peer = { base: "", seen: [], connections: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const seen = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      state.seen.push(seen);
      handler(seen, res);
    });
  });
  server.on("connection", () => {
    state.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  state.base = `http://127.0.0.1:${address.port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  peers.push(state);
  return state;
}

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function failure(promise: Promise<unknown>): Promise<OutboundError["reason"]> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OutboundError) return err.reason;
    throw err;
  }
  throw new Error("the request did not fail");
}

const post = { method: "POST" as const, timeoutMs: 2000, maxResponseBytes: 1024 };

describe("outbound HTTP client", () => {
  it("refuses loopback and private addresses unless allowPrivate, before connecting", async () => {
    const target = await peer((_s, res) => res.end("ok"));
    const guarded = new OutboundClient({ purpose: "test" });
    expect(await failure(guarded.request(`${target.base}/`, post))).toBe("refused_address");
    expect(await failure(guarded.request(target.base.replace("127.0.0.1", "localhost"), post))).toBe("refused_address");
    expect(await failure(guarded.request("http://169.254.169.254/latest", post))).toBe("refused_address");
    expect(await failure(guarded.request("http://[::1]:9/", post))).toBe("refused_address");
    expect(target.connections).toBe(0);
    const open = new OutboundClient({ purpose: "test", allowPrivate: true });
    const answer = await open.request(`${target.base}/`, post);
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe("ok");
    // Even with allowPrivate, the unspecified address stays refused (it means "this host").
    expect(await failure(open.request("http://0.0.0.0:9/", post))).toBe("refused_address");
    open.close();
  });

  it("refuses what is not an http(s) URL", async () => {
    const client = new OutboundClient({ purpose: "test", allowPrivate: true });
    for (const url of ["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "not a url", "http://"]) {
      expect(await failure(client.request(url, post)), url).toBe("bad_url");
    }
  });

  it("posts the body with its headers and a ChatApp User-Agent, never credentials from the URL", async () => {
    const target = await peer((_s, res) => {
      res.writeHead(201, { "Content-Type": "application/json" });
      res.end('{"action":"allow"}');
    });
    const client = new OutboundClient({ purpose: "before-send hook", allowPrivate: true });
    const body = JSON.stringify({ type: "t", data: { content: "héllo 👋" } });
    const answer = await client.request(`${target.base.replace("http://", "http://u:p@")}/hook?x=1`, {
      ...post,
      headers: { "Content-Type": "application/json", "webhook-id": "evt_1" },
      body,
    });
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body.toString())).toEqual({ action: "allow" });
    const [seen] = target.seen;
    expect(seen?.method).toBe("POST");
    expect(seen?.path).toBe("/hook?x=1");
    expect(seen?.body).toBe(body);
    expect(seen?.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(seen?.headers["webhook-id"]).toBe("evt_1");
    expect(seen?.headers["user-agent"]).toBe(`ChatApp/${SERVER_VERSION} (before-send hook)`);
    expect(seen?.headers.authorization).toBeUndefined();
    client.close();
  });

  it("does not follow redirects for a POST: the 3xx is the answer", async () => {
    const target = await peer((s, res) => {
      if (s.path === "/moved") {
        res.writeHead(307, { Location: "/elsewhere" });
        res.end();
      } else res.end("reached");
    });
    const client = new OutboundClient({ purpose: "test", allowPrivate: true });
    const answer = await client.request(`${target.base}/moved`, { ...post, maxRedirects: 3 });
    expect(answer.status).toBe(307);
    expect(target.seen.map((s) => s.path)).toEqual(["/moved"]);
    // A GET asked to follow does.
    const followed = await client.request(`${target.base}/moved`, {
      method: "GET",
      timeoutMs: 2000,
      maxResponseBytes: 64,
      maxRedirects: 1,
    });
    expect(followed.body.toString()).toBe("reached");
    client.close();
  });

  it("fails with timeout when the whole exchange takes longer than its deadline", async () => {
    const held: ServerResponse[] = [];
    const target = await peer((_s, res) => {
      res.writeHead(200);
      res.write("partial");
      held.push(res);
    });
    const client = new OutboundClient({ purpose: "test", allowPrivate: true });
    const started = Date.now();
    expect(await failure(client.request(`${target.base}/`, { ...post, timeoutMs: 300 }))).toBe("timeout");
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
    for (const res of held) res.destroy();
    client.close();
  });

  it("fails with network when nothing listens (a refused connection)", async () => {
    const target = await peer((_s, res) => res.end());
    const port = new URL(target.base).port;
    await target.close();
    const client = new OutboundClient({ purpose: "test", allowPrivate: true });
    expect(await failure(client.request(`http://127.0.0.1:${port}/`, post))).toBe("network");
  });

  it("caps the answer: truncated when asked, too_large otherwise", async () => {
    const target = await peer((_s, res) => res.end("x".repeat(10_000)));
    const client = new OutboundClient({ purpose: "test", allowPrivate: true });
    const cut = await client.request(`${target.base}/`, { ...post, maxResponseBytes: 100, oversize: "truncate" });
    expect(cut.truncated).toBe(true);
    expect(cut.body.length).toBe(100);
    expect(await failure(client.request(`${target.base}/`, { ...post, maxResponseBytes: 100, oversize: "error" }))).toBe(
      "too_large",
    );
    const whole = await client.request(`${target.base}/`, { ...post, maxResponseBytes: 10_000, oversize: "error" });
    expect(whole.truncated).toBe(false);
    expect(whole.body.length).toBe(10_000);
    client.close();
  });

  it("keeps a connection alive between requests when asked", async () => {
    const target = await peer((_s, res) => res.end("{}"));
    const client = new OutboundClient({ purpose: "test", allowPrivate: true, keepAlive: true });
    for (let i = 0; i < 5; i++) expect((await client.request(`${target.base}/`, post)).status).toBe(200);
    expect(target.connections).toBe(1);
    client.close();
  });
});
