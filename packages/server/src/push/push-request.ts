import { createHmac } from "node:crypto";
import webpush from "web-push";
import { TtlCache } from "../lib/ttl-cache.js";

/** What the sender needs of a queued push to build its request. */
export interface PushTarget {
  conversationId: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  /** The plaintext JSON. */
  payload: string;
}

export interface PushRequest {
  headers: Record<string, string>;
  body: Buffer;
}

export interface PushRequestOptions {
  publicKey: string;
  privateKey: string;
  /** VAPID_SUBJECT: the JWT's `sub`. */
  subject: string;
  /** PUSH_TTL_SECONDS: the TTL header. */
  ttlSeconds: number;
}

/** A VAPID JWT's life (RFC 8292 allows 24 h); one is reused until 1 h before it ends. */
const JWT_LIFETIME_S = 12 * 3600;
const JWT_REUSE_MS = (JWT_LIFETIME_S - 3600) * 1000;
/** Push services (origins) whose Authorization header is kept: there are few in practice. */
const JWT_CACHE_ENTRIES = 256;
/**
 * Conversations whose Topic is kept: a group message fans out to thousands of pushes with the
 * same one, and its HMAC cost as much as a tenth of the push. A topic never changes, so entries
 * only leave to make room.
 */
const TOPIC_CACHE_ENTRIES = 4096;
const TOPIC_TTL_MS = 24 * 3600 * 1000;

/**
 * Builds Web Push requests with web-push's generateRequestDetails (RFC 8291 aes128gcm
 * encryption for the subscription, TTL, Topic), signed with the server's VAPID key.
 *
 * The VAPID header is made once per push service origin and reused for 11 hours (its JWT lives
 * 12): signing it costs about 1.8 ms, four times the encryption, and the header is the same for
 * every push to that origin. Each push's body is encrypted afresh (a new ephemeral key and salt).
 */
export class PushRequestBuilder {
  private readonly authorizations: TtlCache<string, string>;
  private readonly topics: TtlCache<number, string>;

  constructor(
    private readonly options: PushRequestOptions,
    now: () => number = Date.now,
  ) {
    this.authorizations = new TtlCache(JWT_CACHE_ENTRIES, now);
    this.topics = new TtlCache(TOPIC_CACHE_ENTRIES, now);
  }

  /** Throws when the subscription's keys cannot be used (web-push refuses them). */
  build(target: PushTarget): PushRequest {
    const details = webpush.generateRequestDetails(
      { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
      target.payload,
      {
        TTL: this.options.ttlSeconds,
        contentEncoding: "aes128gcm",
        topic: this.topic(target.conversationId),
        headers: { Authorization: this.authorization(new URL(target.endpoint).origin) },
      },
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(details.headers)) {
      // Content-Length is the outbound client's to set, from the body it sends.
      if (name.toLowerCase() !== "content-length") headers[name] = String(value);
    }
    return { headers, body: details.body };
  }

  /**
   * The Topic of a conversation's pushes (RFC 8030 §5.4): a push service keeps only the
   * newest undelivered push per topic, so a phone that was off gets one notification per
   * conversation. 22 URL-safe base64 characters (≤ 32 allowed) of an HMAC keyed with the VAPID
   * private key: the same on every node, and it does not show the push service the
   * conversation's id.
   */
  topic(conversationId: number): string {
    const cached = this.topics.get(conversationId);
    if (cached !== undefined) return cached;
    const topic = createHmac("sha256", this.options.privateKey)
      .update(`topic:${conversationId}`)
      .digest("base64url")
      .slice(0, 22);
    this.topics.set(conversationId, topic, TOPIC_TTL_MS);
    return topic;
  }

  private authorization(audience: string): string {
    const cached = this.authorizations.get(audience);
    if (cached !== undefined) return cached;
    const { Authorization } = webpush.getVapidHeaders(
      audience,
      this.options.subject,
      this.options.publicKey,
      this.options.privateKey,
      "aes128gcm",
      Math.floor(Date.now() / 1000) + JWT_LIFETIME_S,
    );
    this.authorizations.set(audience, Authorization, JWT_REUSE_MS);
    return Authorization;
  }
}
