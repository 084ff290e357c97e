import { createPublicKey, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseEnv } from "node:util";
import { isWebhookEventType, WEBHOOK_EVENT_TYPES, WEBHOOK_URL_MAX_CHARS, type WebhookEventType } from "@chatapp/protocol";
import { type BeforeSendSettings, parseBeforeSend } from "./config-before-send.js";
import { type PushConfig, parsePush } from "./config-push.js";
import { webhookSecretProblem } from "./outbound/webhook-signing.js";
import { FIRST_RETRY_MS } from "./webhooks/backoff.js";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";
const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error"];

export type DatabaseConfig =
  | { dialect: "sqlite"; path: string }
  | { dialect: "mysql"; host: string; port: number; user: string; password: string; database: string }
  | { dialect: "postgres"; connectionString: string };

export interface Config {
  port: number;
  host: string;
  nodeEnv: string;
  database: DatabaseConfig;
  jwtSecret: string;
  /** True when no JWT_SECRET was given: the secret is a random one, made by this server. */
  jwtSecretGenerated: boolean;
  /**
   * Without JWT_SECRET outside production: the file in the data folder that keeps the
   * generated secret across restarts. `withDevSecret` (auth/dev-secret.ts) reads or creates
   * it; until then `jwtSecret` is random for this process only (as in-process tests use it).
   */
  jwtSecretFile: string | undefined;
  /** Set by `withDevSecret`: true when this start made the file, false when it was there. */
  jwtSecretCreated?: boolean;
  /** Tokens of other systems (RS256/ES256) and the claims every token must carry. */
  jwt: {
    publicKeyPem: string | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    clockToleranceSeconds: number;
    /** Least time between two fetches of the JWKS (a flood of unknown `kid`s cannot make the server hammer it). */
    jwksCooldownMs: number;
    /** How far ahead a token's `exp` may lie, in seconds (no token lives forever). */
    maxLifetimeSeconds: number;
  };
  logLevel: LogLevel;
  logFormat: "json" | "pretty";
  /** Which proxies may tell the client's address (X-Forwarded-For): Fastify's trustProxy. */
  trustProxy: boolean | number | string;
  /** Set: this node joins a cluster through Redis. */
  redisUrl: string | undefined;
  /** How often a node records that it is alive, and after how long without that it is taken for dead. */
  cluster: { heartbeatMs: number; nodeTimeoutMs: number };
  /**
   * A direct send to a user id never seen creates that user (for deployments whose tokens
   * come from another system, as the original's did) instead of answering `not_found`.
   */
  provisionRecipients: boolean;
  /** Origins allowed to open /ws from a browser besides the server's own; "*" allows any. */
  allowedOrigins: string[];
  ws: {
    pingIntervalMs: number;
    idleTimeoutMs: number;
    /** Frames up to this size are answered with a `too_large` error; larger ones close with 1009. */
    maxPayloadBytes: number;
    /** Unsent bytes ws may hold for a socket; later frames wait by reference (see Connection). */
    maxBufferedBytes: number;
    /** Each socket's kernel send buffer (SO_SNDBUF); 0 leaves it to the kernel. */
    sendBufferBytes: number;
    /** How long a reader may take none of its unsent data while more waits for it (then 1013). */
    drainTimeoutMs: number;
  };
  /** Plain HTTP (not upgraded sockets): see docs/security.md. 0 turns either off. */
  http: {
    /** A request must arrive whole within this; headers within 10 s of it at most. */
    requestTimeoutMs: number;
    /** Open connections per client (TCP peer) address; past it a new one is closed at once. */
    connectionsPerIp: number;
  };
  shutdownTimeoutMs: number;
  /** A message transaction with no answer after this long is refused with `unavailable`. */
  commitTimeoutMs: number;
  /** Most members of a group, its creator included. */
  maxGroupMembers: number;
  /**
   * Link previews (contract §4): `enabled` is LINK_PREVIEWS; `allowPrivate` is
   * LINK_PREVIEW_ALLOW_PRIVATE, which also fetches loopback and private addresses (intranets,
   * tests): off, the fetcher refuses them (previews/fetch-page.ts, docs/security.md).
   */
  linkPreviews: { enabled: boolean; allowPrivate: boolean };
  /** BEFORE_SEND_* (integrations §2): the before-send hook; undefined when BEFORE_SEND_URL is unset. */
  beforeSend: BeforeSendSettings | undefined;
  /** Uploaded files (contract §3): where they are kept on local disk, and their limits. */
  uploads: {
    /** UPLOAD_DIR: the folder of the local-disk store. */
    dir: string;
    /** UPLOAD_MAX_BYTES: the largest file accepted. */
    maxBytes: number;
    /** RATE_UPLOADS_PER_MINUTE: uploads a user may start per minute (0: no limit). */
    perMinute: number;
    /** UPLOAD_QUOTA_BYTES: bytes one user may keep stored (0: no quota). */
    quotaBytes: number;
  };
  /** Abuse limits; a rate of 0 (or a count of 0) turns one off. */
  limits: {
    /** Messages a user may send per second (socket and HTTP alike), and how many may be saved up. */
    messagesPerSecond: number;
    messagesBurst: number;
    /** Frames of any kind one connection may send per second, and the burst. */
    framesPerSecond: number;
    framesBurst: number;
    /** Open sockets per user, and per client address, on this node. */
    connectionsPerUser: number;
    connectionsPerIp: number;
    /** Login and registration attempts per minute, per client address and per username. */
    authPerMinutePerIp: number;
    authPerMinutePerUsername: number;
    /** Edits, deletes, renames and membership changes per user per minute, and the burst. */
    actionsPerMinute: number;
    actionsBurst: number;
    /** Groups created, and users added to groups (a new group's members included), per user per hour. */
    groupsPerHour: number;
    memberAddsPerHour: number;
    /** Reports of messages per user per hour (also the burst). */
    reportsPerHour: number;
    /** Least time between two status_update announcements of one user (the last state always follows). */
    presenceIntervalMs: number;
  };
  /** Uploaded files: how large one may be, and where the bytes are kept. */
  files: FilesConfig;
  /**
   * Retention (integrations §5): RETENTION_DAYS (0: keep forever), and the job's timings
   * (not variables: tests shorten them through `configure`).
   */
  retention: {
    days: number;
    intervalMs: number;
    checkMs: number;
    leaseMs: number;
    batchSize: number;
    pauseMs: number;
  };
  /** ADMIN_API_KEY: a key for the admin API beside those `chatapp apikey create` makes (32+ characters). */
  adminApiKey: string | undefined;
  /** Webhooks (integrations contract §2). */
  webhooks: WebhooksConfig;
  /** Notifications for offline users: Web Push and `notification.needed` (integrations contract §4). */
  push: PushConfig;
}

/**
 * WEBHOOK_URL's endpoint (with WEBHOOK_SECRET and WEBHOOK_EVENTS), and how long undelivered
 * events are retried (WEBHOOK_MAX_AGE_HOURS). More endpoints come through the admin API.
 */
export interface WebhooksConfig {
  endpoint: { url: string; secret: string; events: WebhookEventType[] } | undefined;
  maxAgeMs: number;
  /**
   * The delivery worker's timings: how often it looks at the outbox when nothing wakes it,
   * and the first retry's delay (doubling after it). Not variables: tests shorten them
   * through `configure`, as they do retention's.
   */
  pollMs: number;
  firstRetryMs: number;
}

/**
 * Where uploaded files live: an S3-compatible bucket when `S3_BUCKET` is set, otherwise a
 * folder on local disk (`UPLOAD_DIR`).
 */
export interface FilesConfig {
  /** Largest file accepted, in bytes (`UPLOAD_MAX_BYTES`). */
  maxBytes: number;
  /** The local-disk folder, resolved; unused with S3. */
  uploadDir: string;
  /** True when UPLOAD_DIR was given (a cluster needs that or S3). */
  uploadDirSet: boolean;
  s3: S3Config | undefined;
}

export interface S3Config {
  bucket: string;
  /** An S3-compatible server's address (MinIO, Ceph, R2…); AWS's own when not set. */
  endpoint: string | undefined;
  region: string;
  /** Both or neither: without them the SDK's own chain (environment, profile, instance role) is used. */
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  /** `https://host/bucket/key` rather than `https://bucket.host/key`. */
  forcePathStyle: boolean;
}

/** The most `UPLOAD_MAX_BYTES` may be: 5 GiB, the largest single S3 PutObject. */
export const UPLOAD_MAX_BYTES_LIMIT = 5 * 1024 * 1024 * 1024;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

/**
 * Variables from a `.env` file in `dir`, under those already in the environment (the
 * environment wins, as with Node's --env-file).
 */
export function readEnv(dir = process.cwd(), env: Env = process.env): Env {
  const file = resolve(dir, ".env");
  if (!existsSync(file)) return { ...env };
  return { ...parseEnv(readFileSync(file, "utf8")), ...env };
}

/** Parses the environment into a Config; every bad variable is named in one ConfigError. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const get = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name}: must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const nodeEnv = get("NODE_ENV") ?? "development";
  const port = int("PORT", 8081, 0, 65535);
  const host = get("HOST") ?? "0.0.0.0";
  const maxGroupMembers = int("GROUP_MAX_MEMBERS", 1000, 2, 100_000);
  // UPLOAD_DIR and UPLOAD_MAX_BYTES are read once, with the file store's settings (parseFiles).
  const uploadBudgets = {
    perMinute: int("RATE_UPLOADS_PER_MINUTE", 30, 0, 1_000_000),
    quotaBytes: int("UPLOAD_QUOTA_BYTES", 0, 0, 2 ** 50),
  };
  const limits = {
    messagesPerSecond: int("RATE_MESSAGES_PER_SECOND", 10, 0, 1_000_000),
    messagesBurst: int("RATE_MESSAGES_BURST", 30, 1, 1_000_000),
    framesPerSecond: int("RATE_FRAMES_PER_SECOND", 50, 0, 1_000_000),
    framesBurst: int("RATE_FRAMES_BURST", 100, 1, 1_000_000),
    connectionsPerUser: int("MAX_CONNECTIONS_PER_USER", 20, 0, 1_000_000),
    connectionsPerIp: int("MAX_CONNECTIONS_PER_IP", 1000, 0, 10_000_000),
    authPerMinutePerIp: int("AUTH_ATTEMPTS_PER_MINUTE_PER_IP", 20, 0, 1_000_000),
    authPerMinutePerUsername: int("AUTH_ATTEMPTS_PER_MINUTE_PER_USERNAME", 10, 0, 1_000_000),
    actionsPerMinute: int("RATE_ACTIONS_PER_MINUTE", 60, 0, 1_000_000),
    actionsBurst: int("RATE_ACTIONS_BURST", 30, 1, 1_000_000),
    groupsPerHour: int("RATE_GROUPS_PER_HOUR", 20, 0, 1_000_000),
    memberAddsPerHour: int("RATE_MEMBER_ADDS_PER_HOUR", 5000, 0, 100_000_000),
    reportsPerHour: int("RATE_REPORTS_PER_HOUR", 20, 0, 1_000_000),
    presenceIntervalMs: int("PRESENCE_ANNOUNCE_INTERVAL_MS", 2000, 0, 600_000),
  };
  if (limits.memberAddsPerHour > 0 && limits.memberAddsPerHour < maxGroupMembers - 1) {
    // A budget smaller than one full group could never pay for creating it.
    problems.push(
      `RATE_MEMBER_ADDS_PER_HOUR: must be 0 (off) or at least GROUP_MAX_MEMBERS - 1 (${maxGroupMembers - 1}), got ${limits.memberAddsPerHour}`,
    );
  }

  const logLevelRaw = (get("LOG_LEVEL") ?? "info").toLowerCase();
  let logLevel: LogLevel = "info";
  if ((LOG_LEVELS as readonly string[]).includes(logLevelRaw)) logLevel = logLevelRaw as LogLevel;
  else problems.push(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(", ")} (got "${get("LOG_LEVEL")}")`);

  const logFormatRaw = get("LOG_FORMAT");
  let logFormat: "json" | "pretty" = process.stdout.isTTY ? "pretty" : "json";
  if (logFormatRaw === "json" || logFormatRaw === "pretty") logFormat = logFormatRaw;
  else if (logFormatRaw !== undefined) problems.push(`LOG_FORMAT: must be json or pretty (got "${logFormatRaw}")`);

  const database = parseDatabase(env, get, int, problems);

  let jwtSecret = get("JWT_SECRET");
  const jwtSecretGenerated = jwtSecret === undefined;
  if (jwtSecret === undefined) {
    if (nodeEnv === "production") {
      problems.push("JWT_SECRET: required when NODE_ENV=production (use at least 32 random characters)");
    }
    jwtSecret = randomBytes(32).toString("base64url");
  } else if (nodeEnv === "production" && jwtSecret.length < 32) {
    problems.push("JWT_SECRET: must be at least 32 characters when NODE_ENV=production");
  }

  // Tokens of another system: its public key (PEM text, or a file) or its JWKS address.
  let jwtPublicKey = get("JWT_PUBLIC_KEY")?.replace(/\\n/g, "\n");
  const jwtPublicKeyFile = get("JWT_PUBLIC_KEY_FILE");
  if (jwtPublicKeyFile !== undefined) {
    try {
      jwtPublicKey = readFileSync(jwtPublicKeyFile, "utf8");
    } catch (err) {
      problems.push(`JWT_PUBLIC_KEY_FILE: cannot read ${jwtPublicKeyFile} (${(err as Error).message})`);
    }
  }
  if (jwtPublicKey !== undefined) {
    try {
      const type = createPublicKey(jwtPublicKey).asymmetricKeyType;
      if (type !== "rsa" && type !== "ec")
        problems.push(`JWT_PUBLIC_KEY: an RSA or EC (P-256) public key is needed, not ${type}`);
    } catch {
      problems.push("JWT_PUBLIC_KEY: not a PEM public key (-----BEGIN PUBLIC KEY----- …)");
    }
  }
  const jwtJwksUrl = get("JWT_JWKS_URL");
  if (jwtJwksUrl !== undefined && !/^https?:\/\/\S+$/.test(jwtJwksUrl)) {
    problems.push(`JWT_JWKS_URL: must be an http(s) URL (got "${jwtJwksUrl}")`);
  }
  const jwt = {
    publicKeyPem: jwtPublicKey,
    jwksUrl: jwtJwksUrl,
    issuer: get("JWT_ISSUER"),
    audience: get("JWT_AUDIENCE"),
    clockToleranceSeconds: int("JWT_CLOCK_TOLERANCE", 30, 0, 600),
    jwksCooldownMs: 30_000,
    maxLifetimeSeconds: int("JWT_MAX_LIFETIME", 30 * 24 * 3600, 60, 10 * 365 * 24 * 3600),
  };

  // Beside the SQLite file (./data by default), or in ./data with another database.
  const dataDir =
    database.dialect === "sqlite" && database.path !== ":memory:" ? dirname(resolve(database.path)) : resolve("data");
  const jwtSecretFile = jwtSecretGenerated && nodeEnv !== "production" ? resolve(dataDir, "jwt-secret") : undefined;

  const redisUrl = get("REDIS_URL");
  if (redisUrl !== undefined) {
    if (!/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
      problems.push(`REDIS_URL: must look like redis://host:6379 or rediss://… (got "${redactUrl(redisUrl)}")`);
    } else if (jwtSecretGenerated) {
      // A random secret per node: a token from one node would be refused by the next.
      problems.push("REDIS_URL: the nodes of a cluster must share JWT_SECRET; set it (32+ random characters)");
    } else if (database.dialect === "sqlite") {
      // Nodes of a cluster share their database; each with a SQLite file of its own would
      // each hold part of the messages.
      problems.push("REDIS_URL: a cluster needs a shared MySQL/MariaDB or PostgreSQL database (DATABASE_URL), not SQLite");
    }
  }
  // Behind a proxy, the client's address comes from X-Forwarded-For, which only proxies we
  // trust may set: true (any), a hop count, or addresses/CIDRs (Fastify's trustProxy).
  const trustRaw = get("TRUST_PROXY") ?? "false";
  let trustProxy: boolean | number | string = false;
  if (/^true$/i.test(trustRaw)) trustProxy = true;
  else if (/^false$/i.test(trustRaw)) trustProxy = false;
  else if (/^\d+$/.test(trustRaw)) trustProxy = Number(trustRaw) === 0 ? false : Number(trustRaw);
  else if (/^[0-9a-fA-F.:/,\s]+$/.test(trustRaw)) trustProxy = trustRaw;
  else problems.push(`TRUST_PROXY: must be true, false, a hop count or addresses/CIDRs like 10.0.0.0/8 (got "${trustRaw}")`);
  const http = {
    requestTimeoutMs: int("HTTP_REQUEST_TIMEOUT_MS", 30_000, 0, 3_600_000),
    // Counted by TCP peer: behind a proxy that is the proxy, so it is off there unless set.
    connectionsPerIp: int("MAX_HTTP_CONNECTIONS_PER_IP", trustProxy === false ? 256 : 0, 0, 10_000_000),
  };
  if (http.requestTimeoutMs > 0 && http.requestTimeoutMs < 1000) {
    problems.push(`HTTP_REQUEST_TIMEOUT_MS: must be 0 (off) or at least 1000 (got "${http.requestTimeoutMs}")`);
  }
  const wsSendBufferBytes = int("WS_SEND_BUFFER_BYTES", 64 * 1024, 0, 64 * 1024 * 1024);
  if (wsSendBufferBytes > 0 && wsSendBufferBytes < 4096) {
    problems.push(`WS_SEND_BUFFER_BYTES: must be 0 (the kernel's sizing) or at least 4096 (got "${wsSendBufferBytes}")`);
  }
  // A killed node's users show offline within 10 s (at worst a beat to notice the last value,
  // the timeout, and a beat to look again: 1.5 + 5 + 1.5 s), while a node frozen for 3 s still
  // beats in time (docs/architecture.md, "Presence").
  const nodeHeartbeatMs = int("NODE_HEARTBEAT_MS", 1500, 100, 600_000);
  const nodeTimeoutMs = int("NODE_TIMEOUT_MS", 5000, 300, 3_600_000);
  if (nodeTimeoutMs < 2 * nodeHeartbeatMs) {
    problems.push(`NODE_TIMEOUT_MS: must be at least twice NODE_HEARTBEAT_MS (${nodeHeartbeatMs}), or live nodes would be swept`);
  }

  const bool = (name: string, fallback: boolean) => {
    const raw = (get(name) ?? String(fallback)).toLowerCase();
    if (!["true", "false", "1", "0"].includes(raw)) {
      problems.push(`${name}: must be true or false (got "${get(name)}")`);
      return fallback;
    }
    return raw === "true" || raw === "1";
  };
  const provisionRecipients = bool("PROVISION_RECIPIENTS", false);
  const linkPreviews = {
    enabled: bool("LINK_PREVIEWS", true),
    allowPrivate: bool("LINK_PREVIEW_ALLOW_PRIVATE", false),
  };

  const allowedOrigins = (get("ALLOWED_ORIGINS") ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of allowedOrigins) {
    if (origin !== "*" && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      problems.push(`ALLOWED_ORIGINS: "${origin}" is not an origin like https://chat.example.com (comma-separated, or *)`);
    }
  }

  const files = parseFiles(get, int, problems, redisUrl);
  const webhooks = parseWebhooks(get, int, problems);
  const retentionDays = int("RETENTION_DAYS", 0, 0, 100_000);

  const adminApiKey = get("ADMIN_API_KEY");
  if (adminApiKey !== undefined && adminApiKey.length < 32) {
    // Never the value itself: it is a secret even when too short.
    problems.push(`ADMIN_API_KEY: must be at least 32 characters (got ${adminApiKey.length})`);
  }
  const beforeSend = parseBeforeSend(get, int, problems);
  const push = parsePush(get, int, bool, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    nodeEnv,
    database,
    jwtSecret,
    jwtSecretGenerated,
    jwtSecretFile,
    jwt,
    logLevel,
    logFormat,
    redisUrl,
    trustProxy,
    cluster: { heartbeatMs: nodeHeartbeatMs, nodeTimeoutMs },
    provisionRecipients,
    allowedOrigins,
    ws: {
      pingIntervalMs: 30_000,
      idleTimeoutMs: 60_000,
      maxPayloadBytes: 1024 * 1024,
      maxBufferedBytes: 1024 * 1024,
      sendBufferBytes: wsSendBufferBytes,
      drainTimeoutMs: 10_000,
    },
    http,
    shutdownTimeoutMs: 10_000,
    commitTimeoutMs: 10_000,
    maxGroupMembers,
    linkPreviews,
    beforeSend,
    uploads: { dir: files.uploadDir, maxBytes: files.maxBytes, ...uploadBudgets },
    limits,
    files,
    webhooks,
    retention: {
      days: retentionDays,
      intervalMs: 3_600_000,
      checkMs: 60_000,
      leaseMs: 60_000,
      batchSize: 1000,
      pauseMs: 5,
    },
    adminApiKey,
    push,
  };
}

function parseWebhooks(
  get: (name: string) => string | undefined,
  int: (name: string, fallback: number, min: number, max: number) => number,
  problems: string[],
): WebhooksConfig {
  const maxAgeMs = int("WEBHOOK_MAX_AGE_HOURS", 24, 1, 24 * 365) * 3600_000;
  const timings = { pollMs: 1000, firstRetryMs: FIRST_RETRY_MS };
  const url = get("WEBHOOK_URL");
  const secret = get("WEBHOOK_SECRET");
  const eventsRaw = get("WEBHOOK_EVENTS");
  const events: WebhookEventType[] = [];
  for (const name of (eventsRaw ?? WEBHOOK_EVENT_TYPES.join(",")).split(",").map((e) => e.trim())) {
    if (name === "") continue;
    if (!isWebhookEventType(name)) {
      problems.push(
        `WEBHOOK_EVENTS: "${name}" is not an event type; use a comma-separated list of ${WEBHOOK_EVENT_TYPES.join(", ")}`,
      );
    } else if (!events.includes(name)) events.push(name);
  }
  if (eventsRaw !== undefined && events.length === 0) problems.push("WEBHOOK_EVENTS: names no event type");
  // Never the secret's value in a message. When the before-send hook signs with this secret
  // too (no BEFORE_SEND_SECRET), its parser names a malformed one: said once, not twice.
  const checkedByHook = get("BEFORE_SEND_URL") !== undefined && get("BEFORE_SEND_SECRET") === undefined;
  const secretProblem = secret === undefined || checkedByHook ? undefined : webhookSecretProblem(secret);
  if (secretProblem !== undefined) problems.push(`WEBHOOK_SECRET: ${secretProblem} (whsec_ + base64 of 24 to 64 random bytes)`);
  if (url === undefined) {
    if (secret !== undefined && get("BEFORE_SEND_URL") === undefined) {
      problems.push("WEBHOOK_SECRET: has no effect without WEBHOOK_URL (or BEFORE_SEND_URL); set it or remove this");
    }
    if (eventsRaw !== undefined) problems.push("WEBHOOK_EVENTS: has no effect without WEBHOOK_URL; set WEBHOOK_URL or remove it");
    return { endpoint: undefined, maxAgeMs, ...timings };
  }
  if (!isHttpUrl(url) || url.length > WEBHOOK_URL_MAX_CHARS) {
    problems.push(
      `WEBHOOK_URL: must be an http:// or https:// URL of at most ${WEBHOOK_URL_MAX_CHARS} characters (got "${redactUrl(url)}")`,
    );
  }
  if (secret === undefined) problems.push("WEBHOOK_SECRET: required with WEBHOOK_URL (whsec_ + base64 of 24 to 64 random bytes)");
  return { endpoint: secret === undefined ? undefined : { url, secret, events }, maxAgeMs, ...timings };
}

/** An absolute http: or https: URL with a host. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

function parseFiles(
  get: (name: string) => string | undefined,
  int: (name: string, fallback: number, min: number, max: number) => number,
  problems: string[],
  redisUrl: string | undefined,
): FilesConfig {
  const maxBytes = int("UPLOAD_MAX_BYTES", 25 * 1024 * 1024, 1, UPLOAD_MAX_BYTES_LIMIT);
  const uploadDirRaw = get("UPLOAD_DIR");
  const uploadDir = resolve(uploadDirRaw ?? "./data/uploads");
  const bucket = get("S3_BUCKET");
  const endpoint = get("S3_ENDPOINT");
  const region = get("S3_REGION") ?? "us-east-1";
  const accessKeyId = get("S3_ACCESS_KEY_ID");
  const secretAccessKey = get("S3_SECRET_ACCESS_KEY");
  const pathStyleRaw = get("S3_FORCE_PATH_STYLE")?.toLowerCase();
  let forcePathStyle = endpoint !== undefined;
  if (pathStyleRaw === "true" || pathStyleRaw === "1") forcePathStyle = true;
  else if (pathStyleRaw === "false" || pathStyleRaw === "0") forcePathStyle = false;
  else if (pathStyleRaw !== undefined) {
    problems.push(`S3_FORCE_PATH_STYLE: must be true or false (got "${get("S3_FORCE_PATH_STYLE")}")`);
  }

  if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    problems.push(`S3_BUCKET: must be a bucket name of 3 to 63 lower-case letters, digits, "." and "-" (got "${bucket}")`);
  }
  if (endpoint !== undefined && !/^https?:\/\/[^\s/?#@]+\/?$/.test(endpoint)) {
    // No path, query or credentials: keys go in S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY.
    problems.push(`S3_ENDPOINT: must be an http(s) address like https://s3.example.com:9000 (got "${redactUrl(endpoint)}")`);
  }
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/i.test(region)) {
    problems.push(`S3_REGION: must be a region name like us-east-1 (got "${region}")`);
  }
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    // Never the secret's value, in this message or any other.
    problems.push("S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both or neither");
  }
  if (bucket === undefined) {
    for (const name of ["S3_ENDPOINT", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_FORCE_PATH_STYLE"]) {
      if (get(name) !== undefined) problems.push(`${name}: has no effect without S3_BUCKET; set S3_BUCKET or remove it`);
    }
  }
  if (redisUrl !== undefined && bucket === undefined && uploadDirRaw === undefined) {
    // Each node's own ./data/uploads would hold only the files uploaded through it.
    problems.push(
      "UPLOAD_DIR, S3_BUCKET: a cluster (REDIS_URL) needs files every node can read: set S3_BUCKET, or UPLOAD_DIR to a folder shared by every node",
    );
  }
  return {
    maxBytes,
    uploadDir,
    uploadDirSet: uploadDirRaw !== undefined,
    s3:
      bucket === undefined
        ? undefined
        : { bucket, endpoint: endpoint?.replace(/\/$/, ""), region, accessKeyId, secretAccessKey, forcePathStyle },
  };
}

function parseDatabase(
  env: Env,
  get: (name: string) => string | undefined,
  int: (name: string, fallback: number, min: number, max: number) => number,
  problems: string[],
): DatabaseConfig {
  const url = get("DATABASE_URL");
  if (url !== undefined) {
    const parsed = parseDatabaseUrl(url);
    if (typeof parsed === "string") {
      problems.push(`DATABASE_URL: ${parsed} (got "${redactUrl(url)}")`);
      return { dialect: "sqlite", path: "./data/chatapp.db" };
    }
    return parsed;
  }
  // (seed) DB_HOST selects MySQL/MariaDB, as in the original.
  const host = get("DB_HOST");
  if (host !== undefined) {
    return {
      dialect: "mysql",
      host,
      port: int("DB_PORT", 3306, 1, 65535),
      user: get("DB_USER") ?? "root",
      password: env.DB_PASSWORD ?? "",
      database: get("DB_NAME") ?? "chat_db",
    };
  }
  return { dialect: "sqlite", path: "./data/chatapp.db" };
}

/** A DatabaseConfig, or a sentence saying what is wrong with the URL. */
export function parseDatabaseUrl(url: string): DatabaseConfig | string {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    return path === "" ? "sqlite: needs a file path, as in sqlite:./data/chatapp.db" : { dialect: "sqlite", path };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not a URL; use sqlite:PATH, mysql://user:pass@host:3306/db or postgres://user:pass@host:5432/db";
  }
  const scheme = parsed.protocol.replace(/:$/, "");
  if (scheme === "mysql" || scheme === "mariadb") {
    if (!parsed.hostname) return "mysql:// needs a host";
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
    return {
      dialect: "mysql",
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : 3306,
      user: decodeURIComponent(parsed.username || "root"),
      password: decodeURIComponent(parsed.password),
      database: database || "chat_db",
    };
  }
  if (scheme === "postgres" || scheme === "postgresql") {
    if (!parsed.hostname && !parsed.searchParams.get("host")) return "postgres:// needs a host";
    return { dialect: "postgres", connectionString: url };
  }
  return `unsupported scheme "${scheme}:"; use sqlite:, mysql:// or postgres://`;
}

/** The URL with its password hidden, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):([^@]*)@/, "//$1:***@");
}

/** Where the database is, for the start-up log line (no password). */
export function describeDatabase(db: DatabaseConfig): string {
  switch (db.dialect) {
    case "sqlite":
      return `sqlite:${db.path}`;
    case "mysql":
      return `mysql://${db.user}@${db.host}:${db.port}/${db.database}`;
    case "postgres":
      return redactUrl(db.connectionString);
  }
}
