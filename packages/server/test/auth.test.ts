import { describeEachDialect, eventually, TEST_SECRET, TestSocket, useSuite } from "@chatapp/testkit";
import { SignJWT, UnsecuredJWT } from "jose";
import { expect, it } from "vitest";

const key = new TextEncoder().encode(TEST_SECRET);
const now = () => Math.floor(Date.now() / 1000);
const sign = (claims: Record<string, unknown>, secret = key) =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(secret);

/** Every kind of bad token: each must be a 401 that does not say which check failed. */
async function badTokens(): Promise<Record<string, string | undefined>> {
  return {
    missing: undefined,
    malformed: "not-a-jwt",
    garbage: "aaa.bbb.ccc",
    "wrong secret": await sign({ sub: "1", exp: now() + 60 }, new TextEncoder().encode("another-secret-another-secret-123")),
    expired: await sign({ sub: "1", exp: now() - 60 }),
    "alg none": new UnsecuredJWT({ sub: "1" }).setExpirationTime(now() + 60).encode(),
    "no exp": await sign({ sub: "1" }),
    "no user id": await sign({ exp: now() + 60 }),
    "non-numeric sub": await sign({ sub: "alice", exp: now() + 60 }),
    "zero id": await sign({ id: 0, exp: now() + 60 }),
    "id above 2^48": await sign({ sub: String(2 ** 48 + 1), exp: now() + 60 }),
    "tampered payload": await (async () => {
      const [h, , s] = (await sign({ sub: "1", exp: now() + 60 })).split(".");
      return `${h}.${Buffer.from(JSON.stringify({ sub: "2", exp: now() + 60 })).toString("base64url")}.${s}`;
    })(),
  };
}

describeEachDialect("auth", (dialect) => {
  const logLines: string[] = [];
  const suite = useSuite(dialect, { logLines });

  it("registers, logs in and answers /api/me", async () => {
    const reg = await suite().server.http("/api/auth/register", {
      method: "POST",
      json: { username: "Alice_1", password: "correct horse", display_name: "Alice" },
    });
    expect(reg.status).toBe(201);
    expect(reg.body.user).toEqual({ id: expect.any(Number), username: "alice_1", display_name: "Alice", bot: false });
    const me = await fetch(`${suite().server.url}/api/me`, { headers: { authorization: `Bearer ${reg.body.token}` } });
    expect(await me.json()).toEqual(reg.body.user);

    const login = await suite().server.http("/api/auth/login", {
      method: "POST",
      json: { username: "ALICE_1", password: "correct horse" },
    });
    expect(login.status).toBe(200);
    expect(login.body.user).toEqual(reg.body.user);
    const sock = await TestSocket.open(suite().server.wsUrl, { headers: { authorization: `Bearer ${login.body.token}` } });
    expect((await sock.next((f) => f.type === "ready")).user_id).toBe(reg.body.user.id);
    await sock.close();
  });

  it("keeps usernames unique ignoring case and validates the rules", async () => {
    await suite().server.http("/api/auth/register", { method: "POST", json: { username: "bob", password: "password1" } });
    const dup = await suite().server.http("/api/auth/register", {
      method: "POST",
      json: { username: "BoB", password: "password2" },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe("conflict");
    const bad = [
      { username: "ab", password: "password1" },
      { username: "a".repeat(33), password: "password1" },
      { username: "has space", password: "password1" },
      { username: "émile", password: "password1" },
      { username: "carol", password: "short" },
      { username: "carol" },
      { password: "password1" },
      { username: 5, password: "password1" },
      { username: "nul\u0000", password: "password1" },
      { username: "carol", password: "password1\u0000" },
    ];
    for (const body of bad) {
      const res = await suite().server.http("/api/auth/register", { method: "POST", json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    const notJson = await suite().server.http("/api/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("invalid_request");
  });

  it("refuses a wrong password and an unknown user alike", async () => {
    const wrong = await suite().server.http("/api/auth/login", {
      method: "POST",
      json: { username: "bob", password: "password9" },
    });
    const unknown = await suite().server.http("/api/auth/login", {
      method: "POST",
      json: { username: "nobody", password: "password9" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown).toEqual(wrong);
  });

  it("provisions a user on first use of a token minted elsewhere, with sub or the original id claim", async () => {
    const bySub = await sign({ sub: 7001, exp: now() + 60 });
    const byId = await sign({ id: 7002, exp: now() + 60 });
    for (const [token, id] of [
      [bySub, 7001],
      [byId, 7002],
    ] as const) {
      const res = await fetch(`${suite().server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id, username: null, display_name: null, bot: false });
    }
    // A registration after provisioning gets a fresh id (from the local counter, not above them).
    const reg = await suite().server.http("/api/auth/register", {
      method: "POST",
      json: { username: "after", password: "password1" },
    });
    expect(reg.status).toBe(201);
    expect([7001, 7002]).not.toContain(reg.body.user.id);
  });

  it("answers 401 with the same body to every bad token over HTTP", async () => {
    const bodies = new Set<string>();
    for (const [kind, token] of Object.entries(await badTokens())) {
      const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
      const res = await fetch(`${suite().server.url}/api/me`, { headers });
      expect(res.status, kind).toBe(401);
      bodies.add(await res.text());
    }
    expect(bodies.size).toBe(1);
    const basic = await fetch(`${suite().server.url}/api/me`, { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(basic.status).toBe(401);
  });

  it("answers 401 on the upgrade to every bad token, never an open socket", async () => {
    for (const [kind, token] of Object.entries(await badTokens())) {
      const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
      await expect(TestSocket.open(suite().server.wsUrl, { headers }), kind).rejects.toMatchObject({ status: 401 });
      if (token !== undefined) {
        await expect(TestSocket.open(`${suite().server.wsUrl}?token=${token}`), kind).rejects.toMatchObject({ status: 401 });
      }
    }
  });

  it("accepts the token as a subprotocol (answering chatapp.v1) and as ?token=, and never logs it", async () => {
    const token = await suite().server.token(7101);
    const viaProtocol = await TestSocket.open(suite().server.wsUrl, { protocols: ["chatapp.v1", `bearer.${token}`] });
    expect(viaProtocol.ws.protocol).toBe("chatapp.v1");
    expect((await viaProtocol.next((f) => f.type === "ready")).user_id).toBe(7101);
    const viaQuery = await TestSocket.open(`${suite().server.wsUrl}?token=${token}`);
    expect((await viaQuery.next((f) => f.type === "ready")).user_id).toBe(7101);
    await suite().server.http("/api/me", { userId: 7101 });
    await fetch(`${suite().server.url}/api/me?token=${token}`);
    await fetch(`${suite().server.url}/api/me?%74oken=${token}`, { headers: { origin: "https://evil.example" } });
    await TestSocket.open(`${suite().server.wsUrl}?%74oken=${token}`, { headers: { origin: "https://evil.example" } }).catch(
      () => {},
    );
    await viaProtocol.close();
    await viaQuery.close();
    // Both sockets' close lines are written once the server has seen them go.
    await eventually(() => logLines.filter((l) => l.includes('"ws close"')).length >= 2, 5000, "the close lines");
    expect(logLines.length).toBeGreaterThan(3);
    expect(logLines.some((l) => l.includes("[redacted]"))).toBe(true);
    for (const line of logLines) expect(line).not.toContain(token.split(".")[2]);
  });

  it("answers a plain GET /ws (no upgrade) with the error body", async () => {
    const res = await suite().server.http("/ws", { userId: 7301 });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
  });

  it("refuses a browser origin that is not allowed", async () => {
    const token = await suite().server.token(7201);
    await expect(
      TestSocket.open(suite().server.wsUrl, { headers: { authorization: `Bearer ${token}`, origin: "https://evil.example" } }),
    ).rejects.toMatchObject({ status: 403 });
    const same = await TestSocket.open(suite().server.wsUrl, {
      headers: { authorization: `Bearer ${token}`, origin: suite().server.url },
    });
    await same.close();
  });
});
