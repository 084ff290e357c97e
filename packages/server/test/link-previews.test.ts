import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { LookupFunction } from "node:net";
import { gzipSync } from "node:zlib";
import { eventually } from "@chatapp/testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { fetchPage, MAX_PAGE_BYTES, PageFetchError } from "../src/previews/fetch-page.js";
import { LinkPreviews } from "../src/previews/link-previews.js";
import { SERVER_VERSION } from "../src/version.js";

// Link previews against real HTTP servers on port 0 (contract §4). The SSRF half runs with
// allowPrivate=false and proves each refusal happened before any connection: the local server
// counts TCP connections, not just requests, and must count none.

interface Recorded {
  path: string;
  headers: IncomingHttpHeaders;
}

interface TestServer {
  port: number;
  base: string;
  connections: number;
  requests: Recorded[];
  close(): Promise<void>;
}

const servers: TestServer[] = [];

async function startServer(
  handler: (path: string, res: ServerResponse, server: TestServer) => void,
  host = "127.0.0.1",
): Promise<TestServer> {
  const state: TestServer = { port: 0, base: "", connections: 0, requests: [], close: async () => {} };
  const server = createServer((req, res) => {
    state.requests.push({ path: req.url ?? "", headers: req.headers });
    handler(req.url ?? "/", res, state);
  });
  server.on("connection", () => {
    state.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  state.port = address.port;
  state.base = `http://${host}:${address.port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push(state);
  return state;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const html = (res: ServerResponse, body: string, type = "text/html; charset=utf-8") => {
  res.writeHead(200, { "Content-Type": type });
  res.end(body);
};

const page = (title: string) => `<!doctype html><html><head><title>${title}</title></head><body>hi</body></html>`;

async function refusal(promise: Promise<unknown>): Promise<PageFetchError["reason"]> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PageFetchError) return err.reason;
    throw err;
  }
  throw new Error("the fetch was not refused");
}

/** A resolver that answers `addresses` for every name (the agent checks its answers as DNS's). */
function resolvingTo(...addresses: string[]): LookupFunction {
  const answers = addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const first = answers[0] as { address: string; family: number };
    if (options.all) callback(null, answers);
    else callback(null, first.address, first.family);
  }) as unknown as LookupFunction;
}

describe("link previews: SSRF guard (allowPrivate=false)", () => {
  it("refuses every spelling of loopback and unspecified without connecting", async () => {
    const server = await startServer((_p, res) => html(res, page("secret")));
    const p = server.port;
    const spellings = [
      `http://127.0.0.1:${p}/`,
      `http://localhost:${p}/`,
      `http://LocalHost:${p}/`,
      `http://2130706433:${p}/`,
      `http://127.1:${p}/`,
      `http://0x7f.1:${p}/`,
      `http://0x7f000001:${p}/`,
      `http://0177.0.0.1:${p}/`,
      `http://127.000.000.001:${p}/`,
      `http://127.255.255.254:${p}/`,
      `http://127.0.0.1.:${p}/`,
      `http://%31%32%37.0.0.1:${p}/`,
      `http://①②⑦.0.0.1:${p}/`,
      `http://[::ffff:127.0.0.1]:${p}/`,
      `http://[::ffff:7f00:1]:${p}/`,
      `http://[0:0:0:0:0:ffff:127.0.0.1]:${p}/`,
      `http://[::1]:${p}/`,
      `http://[0:0:0:0:0:0:0:1]:${p}/`,
      `http://0.0.0.0:${p}/`,
      `http://0:${p}/`,
      `http://[::]:${p}/`,
      `https://127.0.0.1:${p}/`,
      `http://user:pw@127.0.0.1:${p}/`,
    ];
    for (const url of spellings) {
      expect(await refusal(fetchPage(url)), url).toBe("refused_address");
    }
    expect(server.connections).toBe(0);
    expect(server.requests).toEqual([]);
  });

  it("refuses private, link-local, shared, multicast and reserved addresses written as IPs", async () => {
    const addresses = [
      "http://10.0.0.1/",
      "http://10.255.255.255:8080/",
      "http://172.16.0.1/",
      "http://172.31.255.1/",
      "http://192.168.1.1/",
      "http://169.254.169.254/latest/meta-data/",
      "http://100.64.0.1/",
      "http://100.127.255.254/",
      "http://224.0.0.1/",
      "http://239.255.255.250/",
      "http://240.0.0.1/",
      "http://255.255.255.255/",
      "http://192.0.2.1/",
      "http://198.18.0.1/",
      "http://[fc00::1]/",
      "http://[fd12:3456::1]/",
      "http://[fe80::1]/",
      "http://[ff02::1]/",
      "http://[::ffff:10.0.0.1]/",
      "http://[::ffff:169.254.169.254]/",
      "http://[64:ff9b::7f00:1]/",
      "http://[2002:7f00:1::]/",
      "http://[2001:db8::1]/",
    ];
    for (const url of addresses) {
      expect(await refusal(fetchPage(url)), url).toBe("refused_address");
    }
  });

  it("checks the resolved addresses of a public-looking name, every one of them", async () => {
    const server = await startServer((_p, res) => html(res, page("secret")));
    // A name that resolves to loopback (DNS rebinding, or a hostile record).
    expect(await refusal(fetchPage(`http://news.example.com:${server.port}/`, { lookup: resolvingTo("127.0.0.1") }))).toBe(
      "refused_address",
    );
    // One good address among the answers does not let a bad one through.
    expect(
      await refusal(fetchPage(`http://news.example.com:${server.port}/`, { lookup: resolvingTo("93.184.216.34", "127.0.0.1") })),
    ).toBe("refused_address");
    for (const address of ["10.1.2.3", "172.20.0.5", "192.168.0.10", "169.254.169.254", "100.100.100.200", "0.0.0.0"]) {
      expect(await refusal(fetchPage("http://cloud.example.com/", { lookup: resolvingTo(address) })), address).toBe(
        "refused_address",
      );
    }
    for (const address of ["::1", "fd00:ec2::254", "fe80::1", "::ffff:127.0.0.1", "::"]) {
      expect(await refusal(fetchPage("http://v6.example.com/", { lookup: resolvingTo(address) })), address).toBe(
        "refused_address",
      );
    }
    expect(server.connections).toBe(0);
  });

  it("connects to the address it checked: a name resolved once, to an allowed address, is fetched", async () => {
    // The allowed address here is a loopback one let through by the test-only allow list; the
    // page arrives although `news.example.com` does not exist in DNS: the socket used the
    // checked answer, with no second lookup.
    const server = await startServer((_p, res) => html(res, page("Through the checked address")));
    const resolve = resolvingTo("127.0.0.1");
    let lookups = 0;
    const counting = ((...args: Parameters<LookupFunction>) => {
      lookups++;
      return resolve(...args);
    }) as LookupFunction;
    const fetched = await fetchPage(`http://news.example.com:${server.port}/a`, {
      lookup: counting,
      allowAddresses: ["127.0.0.1"],
    });
    expect(fetched.html).toContain("Through the checked address");
    expect(lookups).toBe(1);
    expect(server.requests.map((r) => r.headers.host)).toEqual([`news.example.com:${server.port}`]);
  });

  it("checks every redirect: an allowed page that redirects to a private address is refused before connecting", async () => {
    // The inner server listens on 127.0.0.2; the allowed one on 127.0.0.1, let through by the
    // test-only allow list (exact addresses), so only the redirect's target is forbidden.
    const inner = await startServer((_p, res) => html(res, page("internal")), "127.0.0.2");
    const targets = [
      `http://127.0.0.2:${inner.port}/`,
      `http://2130706434:${inner.port}/`,
      `http://0x7f.0.0.2:${inner.port}/`,
      `http://[::ffff:127.0.0.2]:${inner.port}/`,
      "http://169.254.169.254/latest/meta-data/",
      "http://[::1]/",
    ];
    const outer = await startServer((path, res) => {
      const target = targets[Number(path.slice(1))] ?? "/";
      res.writeHead(302, { Location: target });
      res.end();
    });
    for (let i = 0; i < targets.length; i++) {
      expect(await refusal(fetchPage(`${outer.base}/${i}`, { allowAddresses: ["127.0.0.1"] })), targets[i]).toBe(
        "refused_address",
      );
    }
    expect(outer.requests).toHaveLength(targets.length);
    expect(inner.connections).toBe(0);
    // And the same allow list does fetch a page that stays on the allowed address.
    const direct = await startServer((_p, res) => html(res, page("ok")));
    expect((await fetchPage(`${direct.base}/`, { allowAddresses: ["127.0.0.1"] })).html).toContain("ok");
  });

  it("refuses schemes other than http and https, also in redirects", async () => {
    for (const url of ["file:///etc/passwd", "ftp://example.com/", "gopher://127.0.0.1:6379/_INFO", "data:text/html,<title>x"]) {
      expect(await refusal(fetchPage(url)), url).toBe("bad_url");
    }
    const server = await startServer((_p, res) => {
      res.writeHead(301, { Location: "file:///etc/passwd" });
      res.end();
    });
    expect(await refusal(fetchPage(`${server.base}/`, { allowPrivate: true }))).toBe("bad_url");
  });

  it("gives no preview for a refused URL", async () => {
    const server = await startServer((_p, res) => html(res, page("secret")));
    const previews = new LinkPreviews({ allowPrivate: false });
    expect(await previews.previewsFor(`look http://localhost:${server.port}/ and http://127.1:${server.port}/`)).toEqual([]);
    expect(server.connections).toBe(0);
  });
});

describe("link previews: fetching and parsing (allowPrivate=true)", () => {
  const previews = () => new LinkPreviews({ allowPrivate: true });

  it("reads og tags into an entry, with the URL as written", async () => {
    const server = await startServer((_p, res) =>
      html(
        res,
        `<html><head><title>Page</title>
        <meta property="og:title" content="Og &quot;title&quot;">
        <meta property="og:description" content="  The   description ">
        <meta property="og:image" content="/images/card.png">
        <meta property="og:site_name" content="Example Site"></head></html>`,
      ),
    );
    const url = `${server.base}/article?x=1`;
    expect(await previews().previewsFor(`read this: ${url}.`)).toEqual([
      {
        url,
        title: 'Og "title"',
        description: "The description",
        image_url: `${server.base}/images/card.png`,
        site_name: "Example Site",
      },
    ]);
  });

  it("falls back to twitter:title and then <title>; a page without a title gives no entry", async () => {
    const server = await startServer((path, res) => {
      if (path === "/twitter") html(res, `<meta name="twitter:title" content="Tweet"><title>T</title>`);
      else if (path === "/title") html(res, `<title>Only the title</title><meta name="description" content="Desc">`);
      else html(res, `<meta name="description" content="no title here">`);
    });
    const result = await previews().previewsFor(
      `${server.base}/twitter ${server.base}/title ${server.base}/none ${server.base}/fourth`,
    );
    expect(result).toEqual([
      { url: `${server.base}/twitter`, title: "Tweet" },
      { url: `${server.base}/title`, title: "Only the title", description: "Desc" },
    ]);
    // The first 3 distinct URLs only: the fourth was never fetched.
    expect(server.requests.map((r) => r.path)).not.toContain("/fourth");
  });

  it("resolves a relative og:image against the page's final address", async () => {
    const server = await startServer((path, res) => {
      if (path === "/short") {
        res.writeHead(301, { Location: "/posts/2026/page.html" });
        res.end();
      } else html(res, `<title>T</title><meta property="og:image" content="img/a.png">`);
    });
    const [entry] = await previews().previewsFor(`${server.base}/short`);
    expect(entry?.image_url).toBe(`${server.base}/posts/2026/img/a.png`);
    expect(entry?.url).toBe(`${server.base}/short`);
  });

  it("follows 3 redirects and refuses a 4th", async () => {
    const server = await startServer((path, res) => {
      const n = Number(path.slice(3));
      if (n > 0) {
        res.writeHead(n % 2 === 0 ? 302 : 307, { Location: `/r/${n - 1}` });
        res.end();
      } else html(res, page("Arrived"));
    });
    const fetched = await fetchPage(`${server.base}/r/3`, { allowPrivate: true });
    expect(fetched.url).toBe(`${server.base}/r/0`);
    expect(fetched.html).toContain("Arrived");
    server.requests.length = 0;
    expect(await refusal(fetchPage(`${server.base}/r/4`, { allowPrivate: true }))).toBe("too_many_redirects");
    expect(server.requests.map((r) => r.path)).toEqual(["/r/4", "/r/3", "/r/2", "/r/1"]);
  });

  it("gives nothing for a page slower than the 5 s deadline", async () => {
    const held: ServerResponse[] = [];
    const server = await startServer((_p, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.write("<title>Slow");
      held.push(res);
    });
    const started = Date.now();
    expect(await refusal(fetchPage(`${server.base}/`, { allowPrivate: true }))).toBe("timeout");
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(4900);
    expect(elapsed).toBeLessThan(7000);
    // No headers at all within the deadline: the same.
    const silent = await startServer(() => {});
    expect(await refusal(fetchPage(`${silent.base}/`, { allowPrivate: true, deadlineMs: 300 }))).toBe("timeout");
    const quick = new LinkPreviews({ allowPrivate: true, fetch: { deadlineMs: 300 } });
    expect(await quick.previewsFor(`${server.base}/`)).toEqual([]);
    for (const res of held) res.destroy();
  }, 20_000);

  it("reads at most 512 KiB of a body and closes the connection", async () => {
    let closedEarly = false;
    const server = await startServer((path, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.on("close", () => {
        if (!res.writableFinished) closedEarly = true;
      });
      res.write("<html><head><title>Big</title>");
      const filler = `<!-- ${"x".repeat(64 * 1024)} -->`;
      let sent = 0;
      const more = () => {
        while (sent < 80 && !res.destroyed) {
          sent++;
          if (sent === 10) res.write(`<meta property="og:title" content="Past the cap">`);
          if (!res.write(filler)) return void res.once("drain", more);
        }
        if (!res.destroyed) res.end("</head></html>");
      };
      if (path === "/big") more();
    });
    const fetched = await fetchPage(`${server.base}/big`, { allowPrivate: true });
    expect(fetched.truncated).toBe(true);
    expect(Buffer.byteLength(fetched.html)).toBeLessThanOrEqual(MAX_PAGE_BYTES);
    expect(Buffer.byteLength(fetched.html)).toBeGreaterThan(MAX_PAGE_BYTES - 4);
    expect(await previews().previewsFor(`${server.base}/big`)).toEqual([{ url: `${server.base}/big`, title: "Big" }]);
    await eventually(() => closedEarly, 5000, "the server to see the connection closed");
  });

  it("caps a compressed body after decompression (a gzip bomb reads 512 KiB)", async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from("<title>Bomb</title>"), Buffer.alloc(64 * 1024 * 1024, 0x20)]));
    const server = await startServer((_p, res) => {
      res.writeHead(200, { "Content-Type": "text/html", "Content-Encoding": "gzip" });
      res.end(bomb);
    });
    const fetched = await fetchPage(`${server.base}/`, { allowPrivate: true });
    expect(fetched.truncated).toBe(true);
    expect(fetched.html.length).toBe(MAX_PAGE_BYTES);
    expect(fetched.html.startsWith("<title>Bomb</title>")).toBe(true);
  });

  it("parses only text/html", async () => {
    const body = page("Looks like HTML");
    const types = ["application/json", "text/plain", "image/svg+xml", "application/xhtml+xml", "text/htmlx", ""];
    const server = await startServer((path, res) => {
      const type = types[Number(path.slice(1))] ?? "";
      res.writeHead(200, type === "" ? {} : { "Content-Type": type });
      res.end(body);
    });
    for (let i = 0; i < types.length; i++) {
      expect(await refusal(fetchPage(`${server.base}/${i}`, { allowPrivate: true })), types[i]).toBe("not_html");
    }
    expect(await refusal(fetchPage(`${server.base}/404`, { allowPrivate: true }))).toBe("not_html");
    const errors = await startServer((_p, res) => {
      res.writeHead(404, { "Content-Type": "text/html" });
      res.end(page("Not found"));
    });
    expect(await refusal(fetchPage(`${errors.base}/`, { allowPrivate: true }))).toBe("http_status");
  });

  it("decodes the charset of Content-Type or of a meta tag", async () => {
    const latin1 = Buffer.from("<title>Caf\u00e9 cr\u00e8me</title>", "latin1");
    const server = await startServer((path, res) => {
      if (path === "/header") {
        res.writeHead(200, { "Content-Type": "text/html; charset=ISO-8859-1" });
        res.end(latin1);
      } else {
        res.writeHead(200, { "Content-Type": "text/html" });
        res.end(Buffer.concat([Buffer.from('<meta charset="windows-1252">'), latin1]));
      }
    });
    const result = await previews().previewsFor(`${server.base}/header ${server.base}/meta`);
    expect(result.map((e) => e.title)).toEqual(["Café crème", "Café crème"]);
  });

  it("never sends cookies or credentials, and names ChatApp in the User-Agent", async () => {
    const server = await startServer((path, res) => {
      if (path === "/login") {
        res.writeHead(302, { Location: "/home", "Set-Cookie": "session=abc; Path=/" });
        res.end();
      } else html(res, page("Home"));
    });
    const withCredentials = server.base.replace("http://", "http://alice:secret@");
    await fetchPage(`${withCredentials}/login`, { allowPrivate: true });
    await fetchPage(`${server.base}/home`, { allowPrivate: true });
    expect(server.requests.map((r) => r.path)).toEqual(["/login", "/home", "/home"]);
    for (const { headers } of server.requests) {
      expect(headers.cookie).toBeUndefined();
      expect(headers.authorization).toBeUndefined();
      expect(headers["user-agent"]).toMatch(/^ChatApp\//);
      expect(headers["user-agent"]).toContain(SERVER_VERSION);
    }
  });
});

describe("link previews: cache and concurrency", () => {
  it("caches per URL: a second message with the same link fetches nothing", async () => {
    const server = await startServer((_p, res) => html(res, page("Cached")));
    const previews = new LinkPreviews({ allowPrivate: true });
    const url = `${server.base}/c`;
    const [a, b] = await Promise.all([previews.previewsFor(url), previews.previewsFor(`again ${url}`)]);
    const c = await previews.previewsFor(`and again ${url}`);
    expect(a).toEqual([{ url, title: "Cached" }]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(server.requests).toHaveLength(1);
  });

  it("fetches at most maxConcurrent pages at once and drops work past the queue bound", async () => {
    const held: ServerResponse[] = [];
    const server = await startServer((_p, res) => held.push(res));
    const previews = new LinkPreviews({ allowPrivate: true, maxConcurrent: 2, maxQueued: 1 });
    const results = [0, 1, 2, 3, 4].map((i) => previews.preview(`${server.base}/${i}`));
    await eventually(() => held.length === 2, 5000, "two fetches to reach the server");
    expect(previews.load).toEqual({ active: 2, queued: 1 });
    // The 4th and 5th found the queue full: nothing, at once.
    expect(await results[3]).toBeUndefined();
    expect(await results[4]).toBeUndefined();
    for (const res of held.splice(0)) html(res, page("Done"));
    expect((await results[0])?.title).toBe("Done");
    await eventually(() => held.length === 1, 5000, "the queued fetch to start");
    expect(server.requests.map((r) => r.path).sort()).toEqual(["/0", "/1", "/2"]);
    for (const res of held.splice(0)) html(res, page("Done"));
    expect((await results[2])?.title).toBe("Done");
    expect(previews.load).toEqual({ active: 0, queued: 0 });
  });
});

afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
