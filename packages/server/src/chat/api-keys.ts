import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { isWellFormedText } from "@chatapp/protocol";
import { TtlCache } from "../lib/ttl-cache.js";
import type { ApiKeyInfo, ApiKeysRepo } from "../store/api-keys-repo.js";

/** What every key made here starts with: a key found in a log, a repository or a paste is recognised. */
export const API_KEY_PREFIX = "chatapp_";
/** The name the audit log gives the ADMIN_API_KEY key (no key made by the CLI may take it). */
export const ENV_KEY_NAME = "ADMIN_API_KEY";
/** Shorter keys are refused: ADMIN_API_KEY must have at least this many characters. */
export const MIN_API_KEY_CHARS = 32;
export const MAX_KEY_NAME_CHARS = 64;
/**
 * How long a lookup is trusted: a key created or revoked by the CLI (another process, no
 * broker) takes effect on every running node within this, well under the 5 s allowed.
 */
export const KEY_CACHE_MS = 3000;
/** last_used_at is written at most this often per key: a busy integration costs no write per request. */
export const TOUCH_INTERVAL_MS = 60_000;

/**
 * SHA-256 of the key's text, hex. A fast hash is right here, unlike for passwords: a key is
 * 32 random bytes (256 bits), so no guessing or precomputation can find one from its hash,
 * and a slow hash (argon2) would cost every admin request tens of milliseconds for nothing.
 */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A new key: the prefix and 32 random bytes in base64url (43 characters, URL-safe). */
export function newApiKeyText(): string {
  return API_KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** Why a key name is not acceptable, or undefined when it is. */
export function keyNameProblem(name: string): string | undefined {
  const chars = [...name].length;
  if (chars < 1 || chars > MAX_KEY_NAME_CHARS) return `a key name has 1 to ${MAX_KEY_NAME_CHARS} characters`;
  if (!isWellFormedText(name) || /\p{Cc}/u.test(name)) return "a key name holds no control characters";
  if (name !== name.trim()) return "a key name neither starts nor ends with spaces";
  if (name === ENV_KEY_NAME) return `"${ENV_KEY_NAME}" is the name of the key from the environment`;
  return undefined;
}

export type KeyCreation = { ok: true; key: string; info: ApiKeyInfo } | { ok: false; problem: string };

/**
 * The keys that open the admin API: ADMIN_API_KEY from the environment and those the CLI
 * made. Lookups by hash are cached for KEY_CACHE_MS (unknown keys too, so a flood of wrong
 * keys costs no query each), which is how a key made or revoked in another process takes
 * effect everywhere within seconds.
 */
export class ApiKeys {
  private readonly envHash: Buffer | undefined;
  private readonly cache = new TtlCache<string, { id: number; name: string } | null>(10_000);
  private readonly touched = new Map<number, number>();

  constructor(
    private readonly repo: ApiKeysRepo,
    envKey: string | undefined,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.envHash = envKey === undefined ? undefined : createHash("sha256").update(envKey, "utf8").digest();
  }

  /** Makes a key; its text is returned here once and stored nowhere. */
  async create(name: string): Promise<KeyCreation> {
    const problem = keyNameProblem(name);
    if (problem) return { ok: false, problem };
    const key = newApiKeyText();
    const info = await this.repo.create(name, hashApiKey(key));
    if (!info) return { ok: false, problem: `a key named "${name}" exists already` };
    return { ok: true, key, info };
  }

  list(): Promise<ApiKeyInfo[]> {
    return this.repo.list();
  }

  revoke(nameOrId: string): Promise<ApiKeyInfo | undefined> {
    return this.repo.revoke(nameOrId);
  }

  /**
   * The name of the key `presented`, or undefined for an unknown or revoked one. The key
   * from the environment is compared digest to digest in constant time; the others are
   * found by their hash, which tells a timing observer nothing about any key's text.
   */
  async verify(presented: string | undefined): Promise<string | undefined> {
    if (!presented) return undefined;
    const digest = createHash("sha256").update(presented, "utf8").digest();
    if (this.envHash && timingSafeEqual(digest, this.envHash)) return ENV_KEY_NAME;
    const hash = digest.toString("hex");
    let found = this.cache.get(hash);
    if (found === undefined) {
      found = (await this.repo.findActiveByHash(hash)) ?? null;
      this.cache.set(hash, found, KEY_CACHE_MS);
    }
    if (!found) return undefined;
    this.touch(found.id);
    return found.name;
  }

  /** Records the use, at most once a minute per key and never in the request's way. */
  private touch(id: number): void {
    const now = Date.now();
    const last = this.touched.get(id);
    if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return;
    this.touched.set(id, now);
    this.repo.touch(id, now).catch(this.onError);
  }
}
