import { readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { useSuite } from "@chatapp/testkit";
import { describe, expect, it } from "vitest";
import { DEFAULT_WEB_UI_DIR } from "../src/http/routes/web-ui.js";

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bytes as they came over the wire, not decoded (fetch would decode them). */
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** The entry script the built index.html loads: the bundle every visitor downloads first. */
function mainScript(): string {
  const html = readFileSync(join(DEFAULT_WEB_UI_DIR, "index.html"), "utf8");
  const src = html.match(/<script[^>]+src="(\/assets\/[^"]+\.js)"/)?.[1];
  if (!src) throw new Error(`no module script in ${DEFAULT_WEB_UI_DIR}/index.html`);
  return src;
}

describe("compressed web client", () => {
  const suite = useSuite("sqlite");

  it("sends the main JS bundle gzip- or brotli-encoded to a browser that accepts it, the same bytes once decoded", async () => {
    const path = mainScript();
    const original = readFileSync(join(DEFAULT_WEB_UI_DIR, path));
    const { port } = suite().server;

    const gzip = await get(port, path, { "accept-encoding": "gzip" });
    expect(gzip.status).toBe(200);
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gzip.headers["content-type"]).toMatch(/javascript/);
    expect(gzip.headers.vary).toMatch(/accept-encoding/i);
    expect(gzip.headers["cache-control"]).toContain("immutable");
    expect(gunzipSync(gzip.body).equals(original)).toBe(true);
    expect(gzip.body.length).toBeLessThan(original.length / 2);

    // What Chromium sends: brotli wins.
    const br = await get(port, path, { "accept-encoding": "gzip, deflate, br, zstd" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
    expect(br.body.length).toBeLessThan(gzip.body.length);
  });

  it("sends the file as it is (identity) without Accept-Encoding", async () => {
    const path = mainScript();
    const plain = await get(suite().server.port, path);
    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    expect(plain.body.equals(readFileSync(join(DEFAULT_WEB_UI_DIR, path)))).toBe(true);
  });

  it("serves index.html with its document headers whatever Accept-Encoding asks for", async () => {
    const page = await get(suite().server.port, "/", { "accept-encoding": "br" });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(page.headers["cache-control"]).toBe("no-cache");
    const html = page.headers["content-encoding"] === "br" ? brotliDecompressSync(page.body) : page.body;
    expect(html.equals(readFileSync(join(DEFAULT_WEB_UI_DIR, "index.html")))).toBe(true);
  });
});
