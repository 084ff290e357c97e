import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createTestDatabase,
  type ServerOptions,
  startServer,
  TEST_SECRET,
  type TestDatabase,
  type TestServer,
  TestSocket,
} from "@chatapp/testkit";
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const now = () => Math.floor(Date.now() / 1000);
const ISSUER = "https://idp.example";
const AUDIENCE = "chatapp";

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;

/** A server with its own database, checking tokens of another system. */
async function serverWith(env: Record<string, string>, configure?: ServerOptions["configure"]) {
  const database = await createTestDatabase("sqlite");
  const server = await startServer(database, { env, configure });
  const done = async () => {
    await server.stop();
    await database.drop();
  };
  return { server, done };
}

const status = async (server: TestServer, token: string) =>
  (await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;

describe("tokens of another system: RS256 with a PEM key, issuer and audience", () => {
  let rsa: Keys;
  let ec: Keys;
  let pem: string;
  let s: Awaited<ReturnType<typeof serverWith>>;
  const rs256 = (claims: Record<string, unknown>, key = rsa.privateKey) =>
    new SignJWT({ sub: "4101", ...claims }).setProtectedHeader({ alg: "RS256" }).sign(key);
  const good = { iss: ISSUER, aud: AUDIENCE };

  beforeAll(async () => {
    rsa = await generateKeyPair("RS256", { extractable: true });
    ec = await generateKeyPair("ES256", { extractable: true });
    pem = await exportSPKI(rsa.publicKey);
    s = await serverWith({ JWT_PUBLIC_KEY: pem, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
  });
  afterAll(() => s?.done());

  it("accepts a valid token, and tolerates a little clock difference", async () => {
    expect(await status(s.server, await rs256({ ...good, exp: now() + 60 }))).toBe(200);
    expect(await status(s.server, await rs256({ ...good, exp: now() - 10 }))).toBe(200); // within 30 s
    expect(await status(s.server, await rs256({ ...good, exp: now() + 60, nbf: now() + 10 }))).toBe(200);
  });

  it("refuses every forgery and every token that does not fit", async () => {
    const hsOverPublicKey = await new SignJWT({ sub: "4101", ...good, exp: now() + 60 })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode(pem));
    const cases: Record<string, string> = {
      "alg none": new UnsecuredJWT({ sub: "4101", ...good }).setExpirationTime(now() + 60).encode(),
      "HS256 signed with the RS public key": hsOverPublicKey,
      "ES256 (no such key)": await new SignJWT({ sub: "4101", ...good, exp: now() + 60 })
        .setProtectedHeader({ alg: "ES256" })
        .sign(ec.privateKey),
      "signed by another RSA key": await rs256({ ...good, exp: now() + 60 }, (await generateKeyPair("RS256")).privateKey),
      expired: await rs256({ ...good, exp: now() - 120 }),
      "not yet valid": await rs256({ ...good, exp: now() + 600, nbf: now() + 120 }),
      "wrong issuer": await rs256({ ...good, iss: "https://evil.example", exp: now() + 60 }),
      "no issuer": await rs256({ aud: AUDIENCE, exp: now() + 60 }),
      "wrong audience": await rs256({ ...good, aud: "someone-else", exp: now() + 60 }),
      "tampered payload": await (async () => {
        const [h, , sig] = (await rs256({ ...good, exp: now() + 60 })).split(".");
        const payload = Buffer.from(JSON.stringify({ sub: "1", ...good, exp: now() + 60 })).toString("base64url");
        return `${h}.${payload}.${sig}`;
      })(),
    };
    for (const [kind, token] of Object.entries(cases)) expect(await status(s.server, token), kind).toBe(401);
  });

  it("still takes its own HS256 tokens, which carry the issuer and audience", async () => {
    expect(await status(s.server, await s.server.token(4102))).toBe(200);
  });
});

describe("tokens of another system: ES256 from a JWKS", () => {
  let keys: JWK[] = [];
  let fetches = 0;
  let jwksServer: Server;
  let s: Awaited<ReturnType<typeof serverWith>>;
  let first: Keys;

  const es256 = (kid: string, key: Keys["privateKey"]) =>
    new SignJWT({ sub: "4201", exp: now() + 60 }).setProtectedHeader({ alg: "ES256", kid }).sign(key);

  beforeAll(async () => {
    first = await generateKeyPair("ES256", { extractable: true });
    keys = [{ ...(await exportJWK(first.publicKey)), kid: "k1", alg: "ES256", use: "sig" }];
    jwksServer = createServer((_req, res) => {
      fetches++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
    s = await serverWith({ JWT_JWKS_URL: url }, (c) => {
      c.jwt.jwksCooldownMs = 0; // so the test can rotate keys at once
    });
  });
  afterAll(async () => {
    await s?.done();
    await new Promise((r) => jwksServer.close(r));
  });

  it("fetches the JWKS once and caches it", async () => {
    expect(await status(s.server, await es256("k1", first.privateKey))).toBe(200);
    expect(await status(s.server, await es256("k1", first.privateKey))).toBe(200);
    expect(fetches).toBe(1);
  });

  it("fetches it again for a kid it does not know (a rotated key), and refuses a kid that is nowhere", async () => {
    const second = await generateKeyPair("ES256", { extractable: true });
    keys = [...keys, { ...(await exportJWK(second.publicKey)), kid: "k2", alg: "ES256", use: "sig" }];
    expect(await status(s.server, await es256("k2", second.privateKey))).toBe(200);
    expect(fetches).toBe(2);
    expect(await status(s.server, await es256("nope", second.privateKey))).toBe(401);
    // A token naming k1 but signed with k2's key.
    expect(await status(s.server, await es256("k1", second.privateKey))).toBe(401);
  });
});

describe("a connection whose token expires", () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database, {
      configure: (c) => {
        c.ws.pingIntervalMs = 100;
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it("is closed with 4001 (the SDK then fetches a fresh token and reconnects)", async () => {
    const token = await server.token(4301, 1);
    const socket = await TestSocket.open(server.wsUrl, { headers: { authorization: `Bearer ${token}` } });
    await socket.next((f) => f.type === "ready");
    expect(await socket.waitClosed()).toBe(4001);
  });
});

describe("how long a token may live", () => {
  let s: Awaited<ReturnType<typeof serverWith>>;
  beforeAll(async () => {
    s = await serverWith({ JWT_MAX_LIFETIME: "3600" });
  });
  afterAll(() => s?.done());

  /** An HS256 token over the payload text as given: `1e309` cannot be written by JSON.stringify. */
  const hs256Raw = (payloadJson: string) => {
    const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url");
    const payload = Buffer.from(payloadJson).toString("base64url");
    const signature = createHmac("sha256", TEST_SECRET).update(`${header}.${payload}`).digest("base64url");
    return `${header}.${payload}.${signature}`;
  };

  it("refuses an exp that is not finite (1e309 parses as Infinity), over HTTP and WebSocket", async () => {
    const forever = hs256Raw('{"sub":"4301","exp":1e309}');
    expect(await status(s.server, forever)).toBe(401);
    const opened = await TestSocket.open(s.server.wsUrl, { headers: { authorization: `Bearer ${forever}` } }).then(
      (ws) => {
        ws.close();
        return "opened";
      },
      (err: Error) => err.message,
    );
    expect(opened).toMatch(/401/);
  });

  it("signs its own tokens within JWT_MAX_LIFETIME: registration and login work under an hour's limit", async () => {
    const registered = await fetch(`${s.server.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "short.lived", password: "a-long-password" }),
    });
    expect(registered.status).toBe(201);
    const { token } = (await registered.json()) as { token: string };
    const { exp } = JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString()) as { exp: number };
    expect(exp).toBeLessThanOrEqual(now() + 3600);
    expect(await status(s.server, token)).toBe(200);
    const login = await fetch(`${s.server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "short.lived", password: "a-long-password" }),
    });
    expect(login.status).toBe(200);
  });

  it("refuses an exp further ahead than JWT_MAX_LIFETIME, and takes one within it", async () => {
    expect(await status(s.server, hs256Raw(`{"sub":"4302","exp":${now() + 7200}}`))).toBe(401);
    expect(await status(s.server, hs256Raw(`{"sub":"4302","exp":${now() + 1800}}`))).toBe(200);
  });
});
