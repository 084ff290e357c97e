import { createPublicKey, type KeyObject, webcrypto } from "node:crypto";
import { MAX_USER_ID } from "@chatapp/protocol";
import { createRemoteJWKSet, errors, type FlattenedJWSInput, type JWSHeaderParameters, jwtVerify, SignJWT } from "jose";

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

/** Where tokens come from and what they must say (see config.ts for the variables). */
export interface TokenOptions {
  /** HS256: this server's own tokens (register, login, `chatapp token`), and any other system's sharing the secret. */
  secret: string;
  /** RS256 or ES256 tokens of another system, checked with its PEM public key (SPKI). */
  publicKeyPem?: string | undefined;
  /** RS256 or ES256 tokens checked against a JWKS, fetched and cached; an unknown `kid` fetches it again. */
  jwksUrl?: string | undefined;
  /** Required `iss`, when set. */
  issuer?: string | undefined;
  /** Required `aud`, when set. */
  audience?: string | undefined;
  /** Seconds of clock difference tolerated on `exp` and `nbf`. */
  clockToleranceSeconds?: number;
  /** After fetching the JWKS, no other fetch for this long, whatever `kid` tokens name. */
  jwksCooldownMs?: number;
  /**
   * The longest a token may still be valid for: a token whose `exp` lies further ahead (or is
   * not a finite number, as `1e309` parses) is refused, so no token lives forever.
   */
  maxLifetimeSeconds?: number;
  defaultTtlSeconds?: number;
}

/** 30 days: the default bound on how far ahead a token's `exp` may lie. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

const ASYMMETRIC = ["RS256", "ES256"] as const;

/**
 * Tokens. The user id is `sub` (string or number) or, as the original issued them, a numeric
 * `id` claim; `exp` is required. Each algorithm has its own key, chosen by the token's header
 * before any check: HS256 only ever meets the shared secret and RS256/ES256 only public
 * keys, so a token signed with HMAC over a public key ("algorithm confusion"), `none`, or any
 * other algorithm is refused.
 */
export class TokenService {
  /**
   * A CryptoKey imported once: given raw bytes or a KeyObject, jose imports the key into
   * WebCrypto again for every token, a measurable share of a connect storm.
   */
  private readonly hmac: Promise<webcrypto.CryptoKey>;
  private readonly publicKey: { key: KeyObject; alg: (typeof ASYMMETRIC)[number] } | undefined;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private readonly options: Required<Pick<TokenOptions, "clockToleranceSeconds" | "defaultTtlSeconds" | "maxLifetimeSeconds">> &
    TokenOptions;
  private readonly algorithms: string[];

  constructor(options: TokenOptions | string, defaultTtlSeconds = 24 * 3600) {
    const given = typeof options === "string" ? { secret: options } : options;
    const resolved = {
      clockToleranceSeconds: 30,
      defaultTtlSeconds,
      maxLifetimeSeconds: DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
      ...given,
    };
    // The server's own tokens (login, registration) live a day, or less if that is the most allowed.
    resolved.defaultTtlSeconds = Math.min(resolved.defaultTtlSeconds, resolved.maxLifetimeSeconds);
    this.options = resolved;
    this.hmac = webcrypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(given.secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    if (given.publicKeyPem) {
      const key = createPublicKey(given.publicKeyPem);
      const alg = key.asymmetricKeyType === "rsa" ? "RS256" : key.asymmetricKeyType === "ec" ? "ES256" : undefined;
      if (!alg) throw new Error(`JWT public key: an RSA or EC (P-256) key is needed, not ${key.asymmetricKeyType}`);
      this.publicKey = { key, alg };
    }
    if (given.jwksUrl) {
      this.jwks = createRemoteJWKSet(new URL(given.jwksUrl), {
        cooldownDuration: given.jwksCooldownMs ?? 30_000,
        cacheMaxAge: 10 * 60_000,
      });
    }
    this.algorithms = ["HS256", ...(this.publicKey || this.jwks ? ASYMMETRIC : [])];
  }

  /** An HS256 token for a user of this server (registration, login, the CLI). */
  async sign(userId: number, ttlSeconds = this.options.defaultTtlSeconds): Promise<string> {
    if (ttlSeconds > this.options.maxLifetimeSeconds) {
      throw new RangeError(`a token may live ${this.options.maxLifetimeSeconds} s at most (JWT_MAX_LIFETIME)`);
    }
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(String(userId))
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds);
    if (this.options.issuer) jwt.setIssuer(this.options.issuer);
    if (this.options.audience) jwt.setAudience(this.options.audience);
    return jwt.sign(await this.hmac);
  }

  async verify(token: string | undefined): Promise<VerifiedToken> {
    if (!token) throw new InvalidTokenError("missing");
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, (header, jws) => this.keyFor(header, jws), {
        algorithms: this.algorithms,
        requiredClaims: ["exp"],
        clockTolerance: this.options.clockToleranceSeconds,
        ...(this.options.issuer ? { issuer: this.options.issuer } : {}),
        ...(this.options.audience ? { audience: this.options.audience } : {}),
      }));
    } catch (err) {
      const reason = err instanceof errors.JOSEError ? err.code : "malformed";
      throw new InvalidTokenError(reason);
    }
    const exp = payload.exp as number;
    // jose checks that exp has passed, not how far ahead it lies: Infinity passes that check.
    if (!Number.isFinite(exp)) throw new InvalidTokenError("exp is not finite");
    const { maxLifetimeSeconds, clockToleranceSeconds } = this.options;
    if (exp > Date.now() / 1000 + maxLifetimeSeconds + clockToleranceSeconds) {
      throw new InvalidTokenError("exp is further ahead than the longest lifetime allowed");
    }
    const userId = userIdOf(payload);
    if (userId === undefined) throw new InvalidTokenError("no user id");
    return { userId, expiresAt: exp };
  }

  /** The key for the token's algorithm, and only for it. */
  private async keyFor(
    header: JWSHeaderParameters,
    jws: FlattenedJWSInput,
  ): Promise<webcrypto.CryptoKey | KeyObject | Uint8Array> {
    if (header.alg === "HS256") return this.hmac;
    if (header.alg === "RS256" || header.alg === "ES256") {
      if (this.jwks) return this.jwks(header, jws);
      if (this.publicKey && this.publicKey.alg === header.alg) return this.publicKey.key;
    }
    throw new errors.JOSEAlgNotAllowed(`"${header.alg}" is not accepted`);
  }
}

/**
 * The largest user id a token may carry: 2^48. Local registrations take their ids from a
 * counter of their own below the same bound (store/local-user-ids.ts), which ids provisioned
 * from outside never move, so no outside id can push a local account out of range.
 */
export const MAX_TOKEN_USER_ID = MAX_USER_ID;

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
