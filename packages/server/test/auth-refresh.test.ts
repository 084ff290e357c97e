import { useSuite } from "@chatapp/testkit";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";

/** POST /api/auth/refresh: a valid token of a local account in, a fresh one out. */
describe("token refresh", () => {
  // Short tokens, so the fresh one's expiry is measurably later than the first one's.
  const suite = useSuite("sqlite", { env: { JWT_MAX_LIFETIME: "120" } });
  const refresh = (token?: string) =>
    suite().server.http("/api/auth/refresh", {
      method: "POST",
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  it("answers a fresh token and the user for a valid token of a local account", async () => {
    const reg = await suite().server.http("/api/auth/register", {
      method: "POST",
      json: { username: "refresher", password: "long enough password" },
    });
    expect(reg.status).toBe(201);
    const first = reg.body.token as string;
    // Tokens count whole seconds: the next one must carry a later expiry.
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const res = await refresh(first);
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual(reg.body.user);
    const fresh = res.body.token as string;
    const exp = (token: string) => decodeJwt(token).exp ?? 0;
    expect(exp(fresh)).toBeGreaterThan(exp(first));
    expect(exp(fresh) - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(120);
    const me = await suite().server.http("/api/me", { headers: { authorization: `Bearer ${fresh}` } });
    expect(me.body).toEqual(reg.body.user);
  });

  it("refuses a missing or expired token with 401, and another system's user with 403", async () => {
    expect((await refresh()).status).toBe(401);
    expect((await refresh(await suite().server.token(424242, -60))).status).toBe(401);
    // A user known only from a token (provisioned, no local account).
    const res = await refresh(await suite().server.token(777_000));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
  });
});
