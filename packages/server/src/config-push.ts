import { createECDH } from "node:crypto";

/**
 * Notifications for offline users (integrations contract §4, §6): Web Push's VAPID identity and
 * the PUSH_* rules. Each bad variable is added to `problems`, named; a private key is never
 * repeated in a problem.
 */
export interface PushConfig {
  /** VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or undefined: a pair is generated once and kept in the database. */
  vapid: { publicKey: string; privateKey: string } | undefined;
  /** VAPID_SUBJECT: a `mailto:` or `https:` URL the push services may contact. */
  subject: string;
  /** PUSH_PREVIEWS: false keeps the content out of pushes and `notification.needed`. */
  previews: boolean;
  /** PUSH_ALLOW_PRIVATE_ENDPOINTS: http: and private or loopback endpoints (tests, closed networks). */
  allowPrivateEndpoints: boolean;
  /** PUSH_GROUP_MENTIONS_ONLY_ABOVE: in larger groups, only mentions and replies to one's own messages notify. */
  groupMentionsOnlyAbove: number;
  /** PUSH_MAX_SUBSCRIPTIONS: subscriptions one user may hold; the oldest goes when a new one passes it. */
  maxSubscriptionsPerUser: number;
  /** PUSH_COLLAPSE_MS: how long a notification waits for more messages of its conversation to fold in. */
  collapseMs: number;
  /** PUSH_TTL_SECONDS: how long a push service keeps a push for a device that is off (the TTL header). */
  ttlSeconds: number;
  /** Subscriptions a user may create per hour (also the burst). */
  subscriptionsPerHour: number;
  /** The workers' timings (not variables: tests shorten them through `configure`). */
  pollMs: number;
  leaseMs: number;
  /** A push still failing (429, 5xx, no answer) after this long is dropped. */
  maxAgeMs: number;
}

/** The default subject: push services want one; operators should set their own (see docs/operations.md). */
export const DEFAULT_VAPID_SUBJECT = "mailto:push@chatapp.invalid";

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Bytes of a base64url text (no padding), or undefined when it is not base64url. */
export function base64UrlBytes(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  return Buffer.from(text, "base64url");
}

/** A 65-byte uncompressed P-256 point (0x04, X, Y) in base64url: a VAPID public key or a p256dh. */
export function isUncompressedP256(text: string): boolean {
  const bytes = base64UrlBytes(text);
  return bytes !== undefined && bytes.length === 65 && bytes[0] === 0x04;
}

/** The uncompressed public point of a base64url P-256 private scalar; undefined when it is not a valid scalar. */
function publicKeyOf(privateKey: string): string | undefined {
  const ecdh = createECDH("prime256v1");
  try {
    ecdh.setPrivateKey(Buffer.from(privateKey, "base64url"));
  } catch {
    return undefined;
  }
  return ecdh.getPublicKey().toString("base64url");
}

export function parsePush(
  get: (name: string) => string | undefined,
  int: (name: string, fallback: number, min: number, max: number) => number,
  bool: (name: string, fallback: boolean) => boolean,
  problems: string[],
): PushConfig {
  const publicKey = get("VAPID_PUBLIC_KEY");
  const privateKey = get("VAPID_PRIVATE_KEY");
  let vapid: PushConfig["vapid"];
  if ((publicKey === undefined) !== (privateKey === undefined)) {
    const missing = publicKey === undefined ? "VAPID_PUBLIC_KEY" : "VAPID_PRIVATE_KEY";
    problems.push(
      `${missing}: required with ${missing === "VAPID_PUBLIC_KEY" ? "VAPID_PRIVATE_KEY" : "VAPID_PUBLIC_KEY"}; set both or neither (neither: a pair is generated and stored)`,
    );
  } else if (publicKey !== undefined && privateKey !== undefined) {
    let ok = true;
    if (!isUncompressedP256(publicKey)) {
      problems.push(
        "VAPID_PUBLIC_KEY: must be base64url of a 65-byte uncompressed P-256 point (npx web-push generate-vapid-keys)",
      );
      ok = false;
    }
    if (base64UrlBytes(privateKey)?.length !== 32) {
      problems.push("VAPID_PRIVATE_KEY: must be base64url of a 32-byte P-256 private key (npx web-push generate-vapid-keys)");
      ok = false;
    }
    if (ok && publicKeyOf(privateKey) !== publicKey) {
      problems.push("VAPID_PUBLIC_KEY: is not the public key of VAPID_PRIVATE_KEY; set a matching pair");
      ok = false;
    }
    if (ok) vapid = { publicKey, privateKey };
  }
  const subject = get("VAPID_SUBJECT") ?? DEFAULT_VAPID_SUBJECT;
  if (!/^mailto:[^\s@]+@[^\s@]+$/.test(subject) && !/^https:\/\/[^\s/]+/.test(subject)) {
    problems.push(`VAPID_SUBJECT: must be a mailto: address or an https: URL (got "${subject}")`);
  }
  return {
    vapid,
    subject,
    previews: bool("PUSH_PREVIEWS", true),
    allowPrivateEndpoints: bool("PUSH_ALLOW_PRIVATE_ENDPOINTS", false),
    groupMentionsOnlyAbove: int("PUSH_GROUP_MENTIONS_ONLY_ABOVE", 50, 0, 1_000_000),
    maxSubscriptionsPerUser: int("PUSH_MAX_SUBSCRIPTIONS", 10, 1, 1000),
    collapseMs: int("PUSH_COLLAPSE_MS", 1500, 0, 5000),
    ttlSeconds: int("PUSH_TTL_SECONDS", 86_400, 1, 2_419_200),
    subscriptionsPerHour: 30,
    pollMs: 250,
    leaseMs: 30_000,
    maxAgeMs: 3_600_000,
  };
}
