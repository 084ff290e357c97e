import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { eventually } from "@chatapp/testkit";
import { decodeProtectedHeader, type JWTPayload, jwtVerify } from "jose";

/**
 * A Web Push service for tests (integrations contract §4), standing where FCM, Mozilla's
 * autopush or Apple's service would: a real HTTP server on 127.0.0.1 that checks every push as
 * a push service and a browser would, independently of the web-push package the server sends
 * with:
 *
 * - the VAPID `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292): an ES256 JWT verified with
 *   the `k=` key, `aud` this service's origin, `exp` in the future and at most 24 h ahead, `sub`
 *   a `mailto:` or `https:` URL;
 * - `Content-Encoding: aes128gcm`, a positive `TTL`, a `Topic` (if any) of at most 32 URL-safe
 *   base64 characters;
 * - the body, decrypted per RFC 8291/8188 with the subscription's private key and auth secret
 *   (Node's ECDH, HKDF and AES-128-GCM; one record, the sender's key as `keyid`).
 *
 * A push failing any check is answered 400 and listed in `invalid` (tests assert it stays
 * empty). Each subscription is a path: `subscription("/a")` makes the browser side of one,
 * keys included, for POST /api/push/subscriptions. Answers are 201 unless scripted with
 * `answer`.
 *
 * ```ts
 * const service = await startPushService();
 * const sub = service.subscription("/ann");           // {endpoint, keys, decrypt}
 * await http("/api/push/subscriptions", { method: "POST", userId, json: sub.toJSON() });
 * service.answer("/ann", 429, { "retry-after": "2" }); // the next push to /ann gets 429
 * const push = await service.waitFor("/ann");         // decrypted: push.payload.preview
 * await service.close();
 * ```
 */
export interface PushService {
  /** This service's origin (`http://127.0.0.1:<port>`), the `aud` its VAPID JWTs must name. */
  readonly origin: string;
  /** The endpoint URL of `path`. */
  url(path: string): string;
  /** A browser's subscription at `path` (made once per path; the same object after). */
  subscription(path: string): TestSubscription;
  /** Every push received, in arrival order (answered non-2xx ones included, with `status`). */
  received(): ReceivedPush[];
  /** Pushes received at `path` and answered 2xx. */
  delivered(path: string): ReceivedPush[];
  /** Every push received at `path`, whatever it was answered. */
  attempts(path: string): ReceivedPush[];
  /**
   * Scripts the next `times` answers at `path` (default once; Infinity: from now on), after
   * any scripted before, each given `delayMs` after the push arrived (default at once).
   * `status` >= 600 holds the request unanswered until close.
   */
  answer(path: string, status: number, headers?: Record<string, string>, times?: number, delayMs?: number): void;
  /** Waits until a push delivered at `path` matches `where`, and answers the first that does. */
  waitFor(path: string, where?: (push: ReceivedPush) => boolean, ms?: number): Promise<ReceivedPush>;
  /** Pushes that failed a check, with the reason: a test expects none. */
  readonly invalid: string[];
  close(): Promise<void>;
}

/** The browser side of a subscription. */
export interface TestSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** The body of POST /api/push/subscriptions, as a browser's PushSubscription.toJSON() gives it. */
  toJSON(): { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
  /** Decrypts an aes128gcm body for this subscription (throws when it does not decrypt). */
  decrypt(body: Buffer): Buffer;
}

export interface ReceivedPush {
  path: string;
  at: number;
  headers: IncomingHttpHeaders;
  /** What this service answered. */
  status: number;
  ttl: number;
  topic: string | undefined;
  urgency: string | undefined;
  /** The `k=` of the Authorization header: the server's VAPID public key (base64url). */
  vapidKey: string;
  /** The verified JWT's claims. */
  claims: JWTPayload;
  /** The decrypted plaintext, and parsed as JSON. */
  plaintext: string;
  payload: any;
  /** The encrypted body's length in bytes. */
  bodyBytes: number;
}

interface Scripted {
  status: number;
  headers: Record<string, string>;
  times: number;
  delayMs: number;
}

export async function startPushService(): Promise<PushService> {
  const subscriptions = new Map<string, TestSubscription & { ecdh: ReturnType<typeof createECDH>; authSecret: Buffer }>();
  const scripts = new Map<string, Scripted[]>();
  const all: ReceivedPush[] = [];
  const invalid: string[] = [];
  const held = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void handle(req.url ?? "/", req.method ?? "GET", req.headers, Buffer.concat(chunks), res).catch((err: unknown) => {
        invalid.push(`${req.url}: ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(400).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function handle(path: string, method: string, headers: IncomingHttpHeaders, body: Buffer, res: ServerResponse) {
    const sub = subscriptions.get(path);
    if (method !== "POST") throw new Error(`method ${method}`);
    if (!sub) throw new Error("no subscription at this path");
    if (headers["content-encoding"] !== "aes128gcm") throw new Error(`Content-Encoding ${headers["content-encoding"]}`);
    const ttl = Number(headers.ttl);
    if (!Number.isInteger(ttl) || ttl <= 0) throw new Error(`TTL ${headers.ttl}`);
    const topic = headers.topic as string | undefined;
    if (topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) throw new Error(`Topic ${topic}`);
    const { vapidKey, claims } = await verifyVapid(String(headers.authorization ?? ""), origin);
    const plaintext = sub.decrypt(body).toString("utf8");
    const push: ReceivedPush = {
      path,
      at: Date.now(),
      headers,
      status: 201,
      ttl,
      topic,
      urgency: headers.urgency as string | undefined,
      vapidKey,
      claims,
      plaintext,
      payload: JSON.parse(plaintext),
      bodyBytes: body.length,
    };
    const queue = scripts.get(path);
    const scripted = queue?.[0];
    let answerHeaders: Record<string, string> = {};
    let delayMs = 0;
    if (scripted && queue) {
      push.status = scripted.status;
      answerHeaders = scripted.headers;
      delayMs = scripted.delayMs;
      scripted.times -= 1;
      if (scripted.times <= 0) queue.shift();
    }
    all.push(push);
    if (push.status >= 600) {
      held.add(res);
      return;
    }
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    res.writeHead(push.status, answerHeaders).end();
  }

  const service: PushService = {
    origin,
    invalid,
    url: (path) => `${origin}${path}`,
    subscription(path) {
      const known = subscriptions.get(path);
      if (known) return known;
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const authSecret = randomBytes(16);
      const keys = { p256dh: ecdh.getPublicKey().toString("base64url"), auth: authSecret.toString("base64url") };
      const endpoint = `${origin}${path}`;
      const made = {
        endpoint,
        keys,
        ecdh,
        authSecret,
        toJSON: () => ({ endpoint, expirationTime: null, keys }),
        decrypt: (encrypted: Buffer) => decryptAes128gcm(encrypted, ecdh, authSecret),
      };
      subscriptions.set(path, made);
      return made;
    },
    received: () => [...all],
    delivered: (path) => all.filter((p) => p.path === path && p.status >= 200 && p.status < 300),
    attempts: (path) => all.filter((p) => p.path === path),
    answer(path, status, headers = {}, times = 1, delayMs = 0) {
      const queue = scripts.get(path) ?? [];
      queue.push({ status, headers, times, delayMs });
      scripts.set(path, queue);
    },
    async waitFor(path, where = () => true, ms = 10_000) {
      const found = () => service.delivered(path).find(where);
      await eventually(() => found() !== undefined, ms, `a push delivered to ${path}`);
      return found() as ReceivedPush;
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return service;
}

/** RFC 8292: `vapid t=<JWT>, k=<P-256 public key>`, the JWT ES256-signed with that key. */
async function verifyVapid(authorization: string, origin: string): Promise<{ vapidKey: string; claims: JWTPayload }> {
  const match = /^vapid t=([A-Za-z0-9_.-]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization);
  if (!match) throw new Error(`Authorization ${authorization.slice(0, 40)}`);
  const [, token, vapidKey] = match as unknown as [string, string, string];
  const point = Buffer.from(vapidKey, "base64url");
  if (point.length !== 65 || point[0] !== 0x04) throw new Error("k= is not an uncompressed P-256 point");
  const key = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33).toString("base64url"),
    },
    format: "jwk",
  });
  if (decodeProtectedHeader(token).alg !== "ES256") throw new Error("the VAPID JWT is not ES256");
  const { payload } = await jwtVerify(token, key, { algorithms: ["ES256"], audience: origin });
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.exp !== "number" || payload.exp > now + 24 * 3600) throw new Error(`exp ${payload.exp} past 24 h`);
  if (typeof payload.sub !== "string" || !/^(mailto:|https:)/.test(payload.sub)) throw new Error(`sub ${payload.sub}`);
  return { vapidKey, claims: payload };
}

/**
 * RFC 8291 with RFC 8188's aes128gcm, as a browser decrypts: header salt(16) | rs(4) |
 * idlen(1) | keyid (the sender's ephemeral P-256 key), then one record whose plaintext ends
 * with the last-record delimiter 0x02 and optional zero padding.
 */
export function decryptAes128gcm(body: Buffer, ecdh: ReturnType<typeof createECDH>, authSecret: Buffer): Buffer {
  if (body.length < 21) throw new Error("body shorter than the aes128gcm header");
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20] as number;
  const senderKey = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  if (idlen !== 65) throw new Error(`keyid of ${idlen} bytes, not a P-256 key`);
  if (record.length > rs) throw new Error("more than one record");
  const receiverKey = ecdh.getPublicKey();
  const shared = ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), receiverKey, senderKey]);
  const ikm = Buffer.from(hkdfSync("sha256", shared, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 0x02) throw new Error("no last-record delimiter");
  return padded.subarray(0, end);
}
