import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeEachDialect, eventually, useSuite } from "@chatapp/testkit";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MiB = 1024 * 1024;

/** Every file under `dir` (relative paths), temporary ones included. */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort();
  } catch {
    return [];
  }
}

interface Sent {
  status: number;
  body: any;
}

/** A real multipart request, built by undici's FormData. */
async function upload(
  url: string,
  token: string | undefined,
  bytes: Uint8Array | string,
  name = "f.bin",
  options: { type?: string; field?: string } = {},
): Promise<Sent> {
  const form = new FormData();
  form.append(options.field ?? "file", new Blob([bytes], { type: options.type ?? "application/octet-stream" }), name);
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}/api/uploads`, { method: "POST", body: form, headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function download(url: string, path: string, token?: string) {
  const res = await fetch(url + path, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .png()
    .toBuffer();

describeEachDialect("uploads", (dialect) => {
  const dir = mkdtempSync(join(tmpdir(), "chatapp-uploads-"));
  const logLines: string[] = [];
  const suite = useSuite(dialect, {
    env: { UPLOAD_DIR: dir, UPLOAD_MAX_BYTES: String(MiB), RATE_UPLOADS_PER_MINUTE: "0" },
    logLines,
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const A = 301;
  const B = 302;
  const C = 303;
  let url: string;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    url = suite().server.url;
    tokenA = await suite().server.token(A);
    tokenB = await suite().server.token(B);
  });

  it("(R) stores a PNG: 201 with the attachment, its size, width, height and a thumbnail that fits 320x320", async () => {
    const bytes = await png(800, 400);
    const res = await upload(url, tokenA, bytes, "plan.png", { type: "image/png" });
    expect(res.status).toBe(201);
    const id = res.body.id;
    expect(res.body).toEqual({
      id,
      url: `/api/uploads/${id}`,
      name: "plan.png",
      content_type: "image/png",
      size: bytes.length,
      width: 800,
      height: 400,
      thumbnail_url: `/api/uploads/${id}/thumbnail`,
    });
    expect(Number.isInteger(id) && id > 0).toBe(true);
    // As uploaded, one file each, in UPLOAD_DIR.
    expect(readFileSync(join(dir, "uploads", String(id)))).toEqual(bytes);

    const file = await download(url, res.body.url, tokenA);
    expect(file.status).toBe(200);
    expect(file.bytes).toEqual(bytes);
    expect(file.headers.get("content-type")).toBe("image/png");
    expect(file.headers.get("content-length")).toBe(String(bytes.length));
    expect(file.headers.get("x-content-type-options")).toBe("nosniff");
    expect(file.headers.get("content-disposition")).toBe(`inline; filename="plan.png"; filename*=UTF-8''plan.png`);
    expect(file.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(file.headers.get("cache-control")).toBe("private");

    const thumb = await download(url, res.body.thumbnail_url, tokenA);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get("content-type")).toBe("image/webp");
    expect(thumb.headers.get("x-content-type-options")).toBe("nosniff");
    expect(thumb.headers.get("content-disposition")).toMatch(/^inline; /);
    const meta = await sharp(thumb.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["webp", 320, 160]);
  });

  it("(R) a small image's thumbnail is never larger than the original", async () => {
    const res = await upload(url, tokenA, await png(100, 50), "small.png");
    expect(res.status).toBe(201);
    const meta = await sharp((await download(url, res.body.thumbnail_url, tokenA)).bytes).metadata();
    expect([meta.width, meta.height]).toEqual([100, 50]);
  });

  it("applies EXIF orientation and strips EXIF and GPS from what is served; the stored original is as uploaded", async () => {
    // 400x200 stored pixels, EXIF orientation 6 (turn 90° clockwise to show): shown 200x400.
    const bytes = await sharp({ create: { width: 400, height: 200, channels: 3, background: "#3366cc" } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExif({
        IFD3: { GPSLatitudeRef: "N", GPSLatitude: "52/1 31/1 0/1", GPSLongitudeRef: "E", GPSLongitude: "13/1 24/1 0/1" },
      })
      .toBuffer();
    const before = await sharp(bytes).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif?.includes(Buffer.from("GPS")) || before.exif !== undefined).toBe(true);
    const res = await upload(url, tokenA, bytes, "photo.jpg");
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ content_type: "image/jpeg", width: 200, height: 400 });
    const thumb = await download(url, res.body.thumbnail_url, tokenA);
    const meta = await sharp(thumb.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([160, 320]);
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    // The file itself is served upright and without metadata, still a JPEG shown inline.
    const file = await download(url, res.body.url, tokenA);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/jpeg");
    expect(file.headers.get("content-disposition")).toMatch(/^inline/);
    expect(Number(file.headers.get("content-length"))).toBe(file.bytes.length);
    const served = await sharp(file.bytes).metadata();
    expect([served.format, served.width, served.height]).toEqual(["jpeg", 200, 400]);
    expect(served.exif).toBeUndefined();
    expect(file.bytes.includes(Buffer.from("GPS"))).toBe(false);
    // (R) UPLOAD_DIR keeps the upload as it came, one file.
    expect(readFileSync(join(dir, "uploads", String(res.body.id))).equals(bytes)).toBe(true);
  });

  it("(R) serves an image without metadata byte for byte as uploaded", async () => {
    const bytes = await png(64, 32);
    const res = await upload(url, tokenA, bytes, "plain.png");
    const file = await download(url, res.body.url, tokenA);
    expect(file.bytes.equals(bytes)).toBe(true);
    expect(filesUnder(dir)).not.toContain(`stripped/${res.body.id}`);
  });

  it("(R) takes the type from the bytes, never from the part's header or the name", async () => {
    const res = await upload(url, tokenA, await png(10, 10), "page.html", { type: "text/html" });
    expect(res.body.content_type).toBe("image/png");
    const pdf = await upload(url, tokenA, "%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", "doc.pdf", {
      type: "image/png",
    });
    expect(pdf.body.content_type).toBe("application/pdf");
    expect(pdf.body.width).toBeUndefined();
    expect(pdf.body.thumbnail_url).toBeUndefined();
    const got = await download(url, pdf.body.url, tokenA);
    expect(got.headers.get("content-disposition")).toBe(`attachment; filename="doc.pdf"; filename*=UTF-8''doc.pdf`);
  });

  it("(R) serves HTML as application/octet-stream, as an attachment", async () => {
    const html = "<!doctype html><html><body><script>alert(1)</script></body></html>";
    const res = await upload(url, tokenA, html, "evil.html", { type: "text/html" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ content_type: "application/octet-stream", size: html.length, name: "evil.html" });
    const got = await download(url, res.body.url, tokenA);
    expect(got.headers.get("content-type")).toBe("application/octet-stream");
    expect(got.headers.get("content-disposition")).toMatch(/^attachment; /);
    expect(got.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
  });

  it("(R) never gives an SVG (or XML) as image/svg+xml", async () => {
    const svg = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`;
    for (const body of [svg, svg.slice(svg.indexOf("<svg"))]) {
      const res = await upload(url, tokenA, body, "x.svg", { type: "image/svg+xml" });
      expect(res.status).toBe(201);
      expect(res.body.content_type).toBe("application/octet-stream");
      expect(res.body.thumbnail_url).toBeUndefined();
      const got = await download(url, res.body.url, tokenA);
      expect(got.headers.get("content-disposition")).toMatch(/^attachment; /);
    }
  });

  it("gives valid UTF-8 text as text/plain; charset=utf-8, and other bytes as application/octet-stream", async () => {
    const text = await upload(url, tokenA, "héllo, wörld 👋\n", "notes.txt");
    expect(text.body.content_type).toBe("text/plain; charset=utf-8");
    const bad = await upload(url, tokenA, new Uint8Array([0x68, 0x69, 0xff, 0xfe, 0x00]), "blob.txt");
    expect(bad.body.content_type).toBe("application/octet-stream");
  });

  it("takes an image it cannot decode for an ordinary file", async () => {
    const broken = Buffer.concat([(await png(50, 50)).subarray(0, 40), Buffer.alloc(200, 7)]);
    const res = await upload(url, tokenA, broken, "broken.png");
    expect(res.status).toBe(201);
    expect(res.body.content_type).toBe("application/octet-stream");
    expect(res.body.width).toBeUndefined();
    expect(res.body.thumbnail_url).toBeUndefined();
  });

  it("(R) accepts files over the 64 KiB JSON body limit", async () => {
    const bytes = Buffer.alloc(300 * 1024, 0x41);
    bytes[0] = 0x00;
    const res = await upload(url, tokenA, bytes, "big.bin");
    expect(res.status).toBe(201);
    expect(res.body.size).toBe(bytes.length);
  });

  it("(R) answers 413 too_large past UPLOAD_MAX_BYTES and leaves nothing stored", async () => {
    const before = filesUnder(dir);
    const exact = await upload(url, tokenA, Buffer.alloc(MiB, 1), "exact.bin");
    expect(exact.status).toBe(201);
    const after = filesUnder(dir);
    for (const size of [MiB + 1, 3 * MiB]) {
      const res = await upload(url, tokenA, Buffer.alloc(size, 1), "too-big.bin");
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe("too_large");
      expect(typeof res.body.error.message).toBe("string");
    }
    expect(after.length).toBe(before.length + 1);
    await eventually(() => filesUnder(dir).join() === after.join(), 5000, "nothing left of the refused uploads");
  });

  it("keeps nothing of an upload whose client goes away halfway", async () => {
    const before = filesUnder(dir);
    const boundary = "----cut-off";
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="half.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    const req = httpRequest(`${url}/api/uploads`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${tokenA}`,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": String(head.length + 512 * 1024 + 100),
      },
    });
    req.on("error", () => {});
    req.write(head);
    req.write(Buffer.alloc(256 * 1024, 3));
    // Let the server start storing it, then cut the connection.
    await eventually(() => filesUnder(dir).some((f) => f.includes(".tmp-")), 5000, "the upload to start");
    req.destroy();
    await eventually(() => filesUnder(dir).join() === before.join(), 5000, "nothing left of the cut upload");
    await eventually(
      async () =>
        (await suite().server.app.store.db.selectFrom("uploads").select("id").where("ready", "=", 0).execute()).length === 0,
      5000,
      "no row left of the cut upload",
    );
  });

  it("refuses a malformed form with 400 invalid_request: no boundary, or a form that never ends", async () => {
    const noBoundary = await fetch(`${url}/api/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokenA}`, "content-type": "multipart/form-data" },
      body: "x",
    });
    expect(noBoundary.status).toBe(400);
    expect(((await noBoundary.json()) as any).error.code).toBe("invalid_request");
    const before = filesUnder(dir);
    const unfinished = await fetch(`${url}/api/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokenA}`, "content-type": "multipart/form-data; boundary=xyz" },
      body: `--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nsome text and then nothing`,
    });
    expect(unfinished.status).toBe(400);
    expect(((await unfinished.json()) as any).error.code).toBe("invalid_request");
    expect(filesUnder(dir)).toEqual(before);
  });

  it("(R) reduces names to their last path component without control characters, at most 255 bytes", async () => {
    const cases: [string, string][] = [
      ["../../etc/passwd", "passwd"],
      ["..\\..\\windows\\win.ini", "win.ini"],
      ["a\u0007b\u001bc\u007f.txt", "abc.txt"],
      ["evil\u202Etxt.exe", "eviltxt.exe"],
      ["..", "file"],
      ["\u0001\u0002", "file"],
      ["ünïcødé 文件.txt", "ünïcødé 文件.txt"],
    ];
    for (const [given, stored] of cases) {
      const res = await upload(url, tokenA, "x", given);
      expect(res.status, given).toBe(201);
      expect(res.body.name, JSON.stringify(given)).toBe(stored);
    }
    const long = await upload(url, tokenA, "x", `${"é".repeat(200)}.txt`);
    expect(long.body.name).toBe("é".repeat(127));
    expect(Buffer.byteLength(long.body.name)).toBeLessThanOrEqual(255);
    const got = await download(url, long.body.url, tokenA);
    expect(got.headers.get("content-disposition")).toBe(
      `attachment; filename="${"_".repeat(127)}"; filename*=UTF-8''${encodeURIComponent("é".repeat(127))}`,
    );
  });

  it("(R) refuses what is not one file: 400 invalid_request; without a token 401", async () => {
    const json = await fetch(`${url}/api/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokenA}`, "content-type": "application/json" },
      body: JSON.stringify({ file: "x" }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as any).error.code).toBe("invalid_request");

    const fieldOnly = new FormData();
    fieldOnly.append("note", "no file here");
    const noFile = await fetch(`${url}/api/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokenA}` },
      body: fieldOnly,
    });
    expect(noFile.status).toBe(400);
    expect(((await noFile.json()) as any).error.code).toBe("invalid_request");

    const wrongName = await upload(url, tokenA, "x", "a.txt", { field: "upload" });
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.error.code).toBe("invalid_request");

    const empty = await upload(url, tokenA, new Uint8Array(0), "empty.txt");
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("invalid_request");

    const anonymous = await upload(url, undefined, "x", "a.txt");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("unauthorized");
    const badToken = await upload(url, "not-a-token", "x", "a.txt");
    expect(badToken.status).toBe(401);
  });

  it("(R) only the uploader reads an unsent upload: others get 404, no token 401; ?token= works and is not logged", async () => {
    const res = await upload(url, tokenA, await png(40, 20), "mine.png");
    const { id } = res.body;
    expect((await download(url, `/api/uploads/${id}`, tokenB)).status).toBe(404);
    expect((await download(url, `/api/uploads/${id}/thumbnail`, tokenB)).status).toBe(404);
    const missing = await download(url, "/api/uploads/999999999", tokenA);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.bytes.toString()).error.code).toBe("not_found");
    expect((await download(url, "/api/uploads/0", tokenA)).status).toBe(400);
    expect((await download(url, `/api/uploads/${id}`)).status).toBe(401);

    const viaQuery = await download(url, `/api/uploads/${id}?token=${encodeURIComponent(tokenA)}`);
    expect(viaQuery.status).toBe(200);
    await eventually(
      () => logLines.some((l) => l.includes(`/api/uploads/${id}?token=[redacted]`)),
      5000,
      "the request's log line, token redacted",
    );
    expect(logLines.some((l) => l.includes(tokenA))).toBe(false);

    // A file that is not an image has no thumbnail.
    const text = await upload(url, tokenA, "plain", "a.txt");
    expect((await download(url, `/api/uploads/${text.body.id}/thumbnail`, tokenA)).status).toBe(404);
  });

  it("(R) once sent, the conversation's current members read it and nobody else", async () => {
    const alice = await suite().connect(A);
    const res = await upload(url, tokenA, await png(30, 30), "sent.png");
    alice.send({ type: "send", receiver_id: B, content: "look", client_id: "up-1", attachments: [res.body.id] });
    const ack = await alice.next((f) => f.type === "ack");
    expect((await download(url, res.body.url, tokenA)).status).toBe(200);
    expect((await download(url, res.body.url, tokenB)).status).toBe(200);
    expect((await download(url, res.body.thumbnail_url, tokenB)).status).toBe(200);
    expect((await download(url, res.body.url, await suite().server.token(C))).status).toBe(404);
    // A sent upload is not swept.
    await suite().server.app.uploads.sweep(Date.now() + 48 * 3600 * 1000);
    expect((await download(url, res.body.url, tokenB)).status).toBe(200);

    // (R) Deleting the message deletes its attachments: 404 for everyone, bytes removed.
    const messageId = ack.id;
    const other = await upload(url, tokenA, "kept", "other.txt");
    const deleted = await suite().server.http(`/api/messages/${messageId}`, { method: "DELETE", userId: A });
    expect(deleted.status).toBe(200);
    for (const [path, token] of [
      [res.body.url, tokenA],
      [res.body.url, tokenB],
      [res.body.thumbnail_url, tokenA],
    ]) {
      expect((await download(url, path, token)).status).toBe(404);
    }
    expect(filesUnder(dir)).not.toContain(`uploads/${res.body.id}`);
    expect(filesUnder(dir)).not.toContain(`thumbnails/${res.body.id}`);
    expect((await download(url, other.body.url, tokenA)).status).toBe(200);
  });

  it("sweeps unsent uploads older than 24 hours, rows and bytes", async () => {
    const res = await upload(url, tokenA, await png(20, 20), "old.png");
    const { id } = res.body;
    expect(filesUnder(dir)).toEqual(expect.arrayContaining([`uploads/${id}`, `thumbnails/${id}`]));
    // Not yet 24 hours old: kept.
    await suite().server.app.uploads.sweep(Date.now() + 23 * 3600 * 1000);
    expect((await download(url, res.body.url, tokenA)).status).toBe(200);
    let removed = 0;
    for (let pass = 0; pass < 100; pass++) {
      const n = await suite().server.app.uploads.sweep(Date.now() + 25 * 3600 * 1000);
      removed += n;
      if (n === 0) break;
    }
    expect(removed).toBeGreaterThan(0);
    expect((await download(url, res.body.url, tokenA)).status).toBe(404);
    expect(filesUnder(dir)).not.toContain(`uploads/${id}`);
    expect(filesUnder(dir)).not.toContain(`thumbnails/${id}`);
  });
});

describe("upload limits [sqlite]", () => {
  const dir = mkdtempSync(join(tmpdir(), "chatapp-upload-limits-"));
  const suite = useSuite("sqlite", {
    env: { UPLOAD_DIR: dir, UPLOAD_MAX_BYTES: String(4 * MiB), RATE_UPLOADS_PER_MINUTE: "3", UPLOAD_QUOTA_BYTES: String(MiB) },
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("counts uploads against RATE_UPLOADS_PER_MINUTE (429 rate_limited) and bytes against UPLOAD_QUOTA_BYTES (413)", async () => {
    const { url } = suite().server;
    const token = await suite().server.token(401);
    expect((await upload(url, token, Buffer.alloc(600 * 1024, 1), "a.bin")).status).toBe(201);
    const before = filesUnder(dir);
    const over = await upload(url, token, Buffer.alloc(600 * 1024, 1), "b.bin");
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe("too_large");
    expect(over.body.error.message).toMatch(/quota/);
    await eventually(() => filesUnder(dir).join() === before.join(), 5000, "nothing left of the refused upload");
    expect((await upload(url, token, "small", "c.txt")).status).toBe(201);
    const limited = await fetch(`${url}/api/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: (() => {
        const f = new FormData();
        f.append("file", new Blob(["x"]), "d.txt");
        return f;
      })(),
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await limited.json()) as any).error.code).toBe("rate_limited");
  });

  it("measures but does not decode or thumbnail an image over 50 megapixels", async () => {
    const token = await suite().server.token(402);
    const bytes = await sharp({ create: { width: 8000, height: 7000, channels: 3, background: "#000" } })
      .greyscale()
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bytes.length).toBeLessThan(4 * MiB);
    const res = await upload(suite().server.url, token, bytes, "bomb.png");
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ content_type: "image/png", width: 8000, height: 7000 });
    expect(res.body.thumbnail_url).toBeUndefined();
  }, 30_000);
});
