import { webcrypto } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";

/** Every way a token can be wrong gets this one error: a 401 never says which check failed. */
export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super("invalid or missing token");
    this.name = "InvalidTokenError";
  }
}

export interface VerifiedToken {
  userId: number;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/**
 * HS256 tokens. The user id is `sub` (string or number) or, as the original issued them,
 * a numeric `id` claim; `exp` is required; the algorithm is pinned, so `none` and other
 * algorithms are refused.
 */
export class TokenService {
  /**
   * A CryptoKey imported once: given raw bytes or a KeyObject, jose imports the key into
   * WebCrypto again for every token, a measurable share of a connect storm.
   */
  private readonly key: Promise<webcrypto.CryptoKey>;

  constructor(
    secret: string,
    private readonly defaultTtlSeconds = 24 * 3600,
  ) {
    this.key = webcrypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
  }

  async sign(userId: number, ttlSeconds = this.defaultTtlSeconds): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(String(userId))
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(await this.key);
  }

  async verify(token: string | undefined): Promise<VerifiedToken> {
    if (!token) throw new InvalidTokenError("missing");
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, await this.key, { algorithms: ["HS256"], requiredClaims: ["exp"] }));
    } catch (err) {
      const reason = err instanceof errors.JOSEError ? err.code : "malformed";
      throw new InvalidTokenError(reason);
    }
    const userId = userIdOf(payload);
    if (userId === undefined) throw new InvalidTokenError("no user id");
    return { userId, expiresAt: payload.exp as number };
  }
}

/**
 * The largest user id a token may carry: 2^48. Ids from tokens share one space with local
 * registrations, which take the next id above the highest; keeping token ids this far below
 * 2^53 leaves registrations room to stay exact in JSON (a double).
 */
export const MAX_TOKEN_USER_ID = 2 ** 48;

function userIdOf(payload: Record<string, unknown>): number | undefined {
  for (const claim of [payload.sub, payload.id]) {
    const id = typeof claim === "string" && /^\d+$/.test(claim) ? Number(claim) : claim;
    if (typeof id === "number" && Number.isSafeInteger(id) && id > 0 && id <= MAX_TOKEN_USER_ID) return id;
  }
  return undefined;
}

/** The token of an `Authorization: Bearer …` header value. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
