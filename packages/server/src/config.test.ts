import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { WEBHOOK_EVENT_TYPES } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseDatabaseUrl, readEnv } from "./config.js";

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe("loadConfig", () => {
  it("has the documented defaults", () => {
    const c = loadConfig({});
    expect(c.port).toBe(8081);
    expect(c.database).toEqual({ dialect: "sqlite", path: "./data/chatapp.db" });
    expect(c.logLevel).toBe("info");
    expect(c.jwtSecretGenerated).toBe(true);
    expect(c.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(c.allowedOrigins).toEqual([]);
    expect(c.ws).toMatchObject({ pingIntervalMs: 30_000, idleTimeoutMs: 60_000 });
  });

  it("names every bad variable at once", () => {
    const found = problems({
      PORT: "abc",
      LOG_LEVEL: "loud",
      DATABASE_URL: "nonsense",
      REDIS_URL: "x",
      ALLOWED_ORIGINS: "not an origin",
    });
    expect(found.map((p) => p.split(":")[0])).toEqual([
      "PORT",
      "LOG_LEVEL",
      "DATABASE_URL",
      "REDIS_URL",
      "ALLOWED_ORIGINS",
      "UPLOAD_DIR, S3_BUCKET",
    ]);
  });

  it("reads the WEBHOOK_URL endpoint, every event type by default, and stops on a bad webhook variable", () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    const c = loadConfig({ WEBHOOK_URL: "http://10.0.0.5:8080/hook", WEBHOOK_SECRET: secret });
    expect(c.webhooks.endpoint).toEqual({ url: "http://10.0.0.5:8080/hook", secret, events: [...WEBHOOK_EVENT_TYPES] });
    expect(c.webhooks.maxAgeMs).toBe(24 * 3600_000);
    expect(loadConfig({}).webhooks.endpoint).toBeUndefined();
    expect(
      loadConfig({
        WEBHOOK_URL: "https://x.example/h",
        WEBHOOK_SECRET: secret,
        WEBHOOK_EVENTS: " message.created, user.created ",
      }).webhooks.endpoint?.events,
    ).toEqual(["message.created", "user.created"]);
    expect(loadConfig({ WEBHOOK_MAX_AGE_HOURS: "2" }).webhooks.maxAgeMs).toBe(2 * 3600_000);
    const base = { WEBHOOK_URL: "https://x.example/h", WEBHOOK_SECRET: secret };
    const first = (env: Record<string, string>) => problems(env).map((p) => p.split(":")[0]);
    expect(first({ ...base, WEBHOOK_SECRET: "whsec_short" })).toEqual(["WEBHOOK_SECRET"]);
    expect(first({ ...base, WEBHOOK_SECRET: `whsec_${Buffer.alloc(65).toString("base64")}` })).toEqual(["WEBHOOK_SECRET"]);
    expect(first({ ...base, WEBHOOK_SECRET: Buffer.alloc(32).toString("base64") })).toEqual(["WEBHOOK_SECRET"]);
    expect(first({ WEBHOOK_URL: "https://x.example/h" })).toEqual(["WEBHOOK_SECRET"]);
    expect(first({ ...base, WEBHOOK_EVENTS: "message.created,message.exploded" })).toEqual(["WEBHOOK_EVENTS"]);
    expect(first({ ...base, WEBHOOK_URL: "ftp://x.example/h" })).toEqual(["WEBHOOK_URL"]);
    expect(first({ WEBHOOK_MAX_AGE_HOURS: "0" })).toEqual(["WEBHOOK_MAX_AGE_HOURS"]);
    // The secret's value never appears in the message.
    expect(problems({ ...base, WEBHOOK_SECRET: "whsec_short" }).join(" ")).not.toContain("whsec_short");
    // Shared with the before-send hook: a malformed secret is named once.
    expect(first({ ...base, BEFORE_SEND_URL: "https://x.example/b", WEBHOOK_SECRET: "whsec_short" })).toEqual(["WEBHOOK_SECRET"]);
  });

  it("takes an ADMIN_API_KEY of 32+ characters and refuses a shorter one without printing it", () => {
    expect(loadConfig({}).adminApiKey).toBeUndefined();
    expect(loadConfig({ ADMIN_API_KEY: "k".repeat(32) }).adminApiKey).toBe("k".repeat(32));
    const found = problems({ ADMIN_API_KEY: "short-secret-key" });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^ADMIN_API_KEY: must be at least 32 characters/);
    expect(found[0]).not.toContain("short-secret-key");
  });

  it("refuses ports out of range", () => {
    expect(problems({ PORT: "70000" })).toHaveLength(1);
    expect(problems({ PORT: "-1" })).toHaveLength(1);
    expect(problems({ PORT: "80.5" })).toHaveLength(1);
  });

  it("requires a JWT_SECRET of 32+ characters in production", () => {
    expect(problems({ NODE_ENV: "production" })[0]).toMatch(/^JWT_SECRET: required/);
    expect(problems({ NODE_ENV: "production", JWT_SECRET: "short" })[0]).toMatch(/^JWT_SECRET: must be at least 32/);
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(32) }).jwtSecretGenerated).toBe(false);
  });

  it("keeps a generated secret beside the SQLite file, in ./data otherwise, only without JWT_SECRET", () => {
    expect(loadConfig({}).jwtSecretFile).toBe(resolve("data/jwt-secret"));
    expect(loadConfig({ DATABASE_URL: "sqlite:/srv/chat/chat.db" }).jwtSecretFile).toBe("/srv/chat/jwt-secret");
    expect(loadConfig({ DATABASE_URL: "postgres://pg/chat" }).jwtSecretFile).toBe(resolve("data/jwt-secret"));
    expect(loadConfig({ JWT_SECRET: "x".repeat(32) }).jwtSecretFile).toBeUndefined();
  });

  it("(seed) selects MySQL with DB_HOST and its defaults", () => {
    expect(loadConfig({ DB_HOST: "db" }).database).toEqual({
      dialect: "mysql",
      host: "db",
      port: 3306,
      user: "root",
      password: "",
      database: "chat_db",
    });
    expect(loadConfig({ DB_HOST: "db", DB_PORT: "3307", DB_USER: "u", DB_PASSWORD: "p", DB_NAME: "n" }).database).toMatchObject({
      port: 3307,
      user: "u",
      password: "p",
      database: "n",
    });
  });

  it("lets DATABASE_URL win over DB_*", () => {
    expect(loadConfig({ DB_HOST: "db", DATABASE_URL: "sqlite:/tmp/x.db" }).database).toEqual({
      dialect: "sqlite",
      path: "/tmp/x.db",
    });
  });

  it("takes REDIS_URL with a shared database, and refuses it with SQLite", () => {
    const mysql = "mysql://root@127.0.0.1:3306/chat";
    const secret = "s".repeat(32);
    expect(
      loadConfig({ REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: mysql, JWT_SECRET: secret, UPLOAD_DIR: "/srv/up" })
        .redisUrl,
    ).toBe("redis://127.0.0.1:6379");
    expect(problems({ REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: mysql })[0]).toMatch(
      /^REDIS_URL: the nodes of a cluster must share JWT_SECRET/,
    );
    expect(problems({ REDIS_URL: "redis://127.0.0.1:6379", JWT_SECRET: secret })[0]).toMatch(
      /^REDIS_URL: a cluster needs a shared/,
    );
    expect(problems({ REDIS_URL: "http://x", DATABASE_URL: mysql })[0]).toMatch(/^REDIS_URL: must look like redis:/);
  });

  it("reads the token settings for other systems' tokens, and refuses a bad key or JWKS address", () => {
    expect(loadConfig({}).jwt).toMatchObject({ clockToleranceSeconds: 30, publicKeyPem: undefined, jwksUrl: undefined });
    const c = loadConfig({
      JWT_ISSUER: "https://idp.example",
      JWT_AUDIENCE: "chatapp",
      JWT_JWKS_URL: "https://idp.example/jwks",
    });
    expect(c.jwt).toMatchObject({ issuer: "https://idp.example", audience: "chatapp", jwksUrl: "https://idp.example/jwks" });
    expect(problems({ JWT_PUBLIC_KEY: "not a key" })[0]).toMatch(/^JWT_PUBLIC_KEY: not a PEM public key/);
    expect(problems({ JWT_PUBLIC_KEY_FILE: "/nonexistent/key.pem" })[0]).toMatch(/^JWT_PUBLIC_KEY_FILE: cannot read/);
    expect(problems({ JWT_JWKS_URL: "ftp://x" })[0]).toMatch(/^JWT_JWKS_URL: must be an http/);
  });

  it("reads TRUST_PROXY as Fastify's trustProxy", () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "true" }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: "1" }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: "0" }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "10.0.0.0/8,127.0.0.1" }).trustProxy).toBe("10.0.0.0/8,127.0.0.1");
    expect(problems({ TRUST_PROXY: "everyone" })[0]).toMatch(/^TRUST_PROXY: must be/);
  });

  it("keeps the node timeout well above the heartbeat", () => {
    expect(loadConfig({}).cluster).toEqual({ heartbeatMs: 1500, nodeTimeoutMs: 5000 });
    expect(problems({ NODE_HEARTBEAT_MS: "1000", NODE_TIMEOUT_MS: "1500" })[0]).toMatch(
      /^NODE_TIMEOUT_MS: must be at least twice/,
    );
  });

  it("budgets actions that fan out, and needs a member-add budget that pays for a full group", () => {
    expect(loadConfig({}).limits).toMatchObject({
      actionsPerMinute: 60,
      actionsBurst: 30,
      groupsPerHour: 20,
      memberAddsPerHour: 5000,
      presenceIntervalMs: 2000,
    });
    expect(problems({ GROUP_MAX_MEMBERS: "500", RATE_MEMBER_ADDS_PER_HOUR: "100" })[0]).toMatch(
      /^RATE_MEMBER_ADDS_PER_HOUR: must be 0 \(off\) or at least GROUP_MAX_MEMBERS - 1 \(499\)/,
    );
    expect(problems({ GROUP_MAX_MEMBERS: "500", RATE_MEMBER_ADDS_PER_HOUR: "0" })).toEqual([]);
    expect(problems({ PRESENCE_ANNOUNCE_INTERVAL_MS: "soon" })[0]).toMatch(/^PRESENCE_ANNOUNCE_INTERVAL_MS: must be/);
  });

  it("reads RETENTION_DAYS (unset or 0: keep forever) and RATE_REPORTS_PER_HOUR; a bad value names the variable", () => {
    expect(loadConfig({}).retention).toMatchObject({ days: 0, intervalMs: 3_600_000 });
    expect(loadConfig({ RETENTION_DAYS: "0" }).retention.days).toBe(0);
    expect(loadConfig({ RETENTION_DAYS: "30" }).retention.days).toBe(30);
    expect(loadConfig({}).limits.reportsPerHour).toBe(20);
    for (const bad of ["-1", "1.5", "thirty", "100001"]) {
      expect(
        problems({ RETENTION_DAYS: bad }).map((p) => p.split(":")[0]),
        bad,
      ).toEqual(["RETENTION_DAYS"]);
    }
    expect(problems({ RATE_REPORTS_PER_HOUR: "many" }).map((p) => p.split(":")[0])).toEqual(["RATE_REPORTS_PER_HOUR"]);
  });

  it("reads PROVISION_RECIPIENTS as a boolean", () => {
    expect(loadConfig({}).provisionRecipients).toBe(false);
    expect(loadConfig({ PROVISION_RECIPIENTS: "true" }).provisionRecipients).toBe(true);
    expect(problems({ PROVISION_RECIPIENTS: "yes please" })[0]).toMatch(/^PROVISION_RECIPIENTS:/);
  });

  it("reads LINK_PREVIEWS (on) and LINK_PREVIEW_ALLOW_PRIVATE (off) as booleans", () => {
    expect(loadConfig({}).linkPreviews).toEqual({ enabled: true, allowPrivate: false });
    expect(loadConfig({ LINK_PREVIEWS: "false", LINK_PREVIEW_ALLOW_PRIVATE: "TRUE" }).linkPreviews).toEqual({
      enabled: false,
      allowPrivate: true,
    });
    expect(problems({ LINK_PREVIEWS: "off", LINK_PREVIEW_ALLOW_PRIVATE: "yes" }).map((p) => p.split(":")[0])).toEqual([
      "LINK_PREVIEWS",
      "LINK_PREVIEW_ALLOW_PRIVATE",
    ]);
  });

  it("reads the HTTP timeout, the HTTP connections per address and the sockets' send buffer", () => {
    expect(loadConfig({}).http).toEqual({ requestTimeoutMs: 30_000, connectionsPerIp: 256 });
    expect(loadConfig({}).ws.sendBufferBytes).toBe(65_536);
    // Behind a proxy every client shares its address: off unless set.
    expect(loadConfig({ TRUST_PROXY: "1" }).http.connectionsPerIp).toBe(0);
    expect(loadConfig({ TRUST_PROXY: "1", MAX_HTTP_CONNECTIONS_PER_IP: "5000" }).http.connectionsPerIp).toBe(5000);
    expect(loadConfig({ HTTP_REQUEST_TIMEOUT_MS: "0", WS_SEND_BUFFER_BYTES: "0" })).toMatchObject({
      http: { requestTimeoutMs: 0 },
      ws: { sendBufferBytes: 0 },
    });
    const bad = problems({ HTTP_REQUEST_TIMEOUT_MS: "500", MAX_HTTP_CONNECTIONS_PER_IP: "-1", WS_SEND_BUFFER_BYTES: "100" });
    expect(bad.map((p) => p.split(":")[0])).toEqual([
      "MAX_HTTP_CONNECTIONS_PER_IP",
      "HTTP_REQUEST_TIMEOUT_MS",
      "WS_SEND_BUFFER_BYTES",
    ]);
  });

  it("keeps files in ./data/uploads, up to 25 MiB each, by default", () => {
    expect(loadConfig({}).files).toEqual({
      maxBytes: 26_214_400,
      uploadDir: resolve("data/uploads"),
      uploadDirSet: false,
      s3: undefined,
    });
    expect(loadConfig({ UPLOAD_DIR: "/srv/uploads", UPLOAD_MAX_BYTES: "1048576" }).files).toMatchObject({
      maxBytes: 1_048_576,
      uploadDir: "/srv/uploads",
      uploadDirSet: true,
    });
  });

  it("refuses an upload limit that is not a positive whole number of at most 5 GiB", () => {
    for (const raw of ["0", "-1", "1.5", "25MiB", "5368709121", "99999999999999999999"]) {
      expect(problems({ UPLOAD_MAX_BYTES: raw })).toEqual([
        `UPLOAD_MAX_BYTES: must be a whole number from 1 to 5368709120 (got "${raw}")`,
      ]);
    }
    expect(loadConfig({ UPLOAD_MAX_BYTES: "5368709120" }).files.maxBytes).toBe(5 * 1024 ** 3);
  });

  it("selects S3 with S3_BUCKET, path-style when an endpoint is given", () => {
    expect(loadConfig({ S3_BUCKET: "chat-files" }).files.s3).toEqual({
      bucket: "chat-files",
      endpoint: undefined,
      region: "us-east-1",
      accessKeyId: undefined,
      secretAccessKey: undefined,
      forcePathStyle: false,
    });
    const minio = loadConfig({
      S3_BUCKET: "chat-files",
      S3_ENDPOINT: "http://minio:9000/",
      S3_REGION: "eu-west-3",
      S3_ACCESS_KEY_ID: "AKIDEXAMPLE",
      S3_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG",
    }).files.s3;
    expect(minio).toEqual({
      bucket: "chat-files",
      endpoint: "http://minio:9000",
      region: "eu-west-3",
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG",
      forcePathStyle: true,
    });
    expect(
      loadConfig({ S3_BUCKET: "b.example", S3_ENDPOINT: "https://s3.example", S3_FORCE_PATH_STYLE: "false" }).files.s3
        ?.forcePathStyle,
    ).toBe(false);
    expect(loadConfig({ S3_BUCKET: "chat-files", S3_FORCE_PATH_STYLE: "true" }).files.s3?.forcePathStyle).toBe(true);
  });

  it("names bad S3 settings, never showing the secret", () => {
    const secret = "wJalrXUtnFEMI-super-secret";
    const found = problems({
      S3_BUCKET: "No_Such Bucket",
      S3_ENDPOINT: "ftp://user:pw@host",
      S3_REGION: "us east",
      S3_SECRET_ACCESS_KEY: secret,
      S3_FORCE_PATH_STYLE: "maybe",
    });
    expect(found.map((p) => p.split(":")[0])).toEqual([
      "S3_FORCE_PATH_STYLE",
      "S3_BUCKET",
      "S3_ENDPOINT",
      "S3_REGION",
      "S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY",
    ]);
    expect(found.join("\n")).not.toContain(secret);
    expect(found.join("\n")).not.toContain(":pw@");
    // S3 settings without a bucket would be silently ignored: named instead.
    expect(problems({ S3_ENDPOINT: "http://minio:9000" })).toEqual([
      "S3_ENDPOINT: has no effect without S3_BUCKET; set S3_BUCKET or remove it",
    ]);
  });

  it("refuses a cluster with files on a node's own disk", () => {
    const cluster = { REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: "mysql://root@db/chat", JWT_SECRET: "s".repeat(32) };
    expect(problems(cluster)).toEqual([
      "UPLOAD_DIR, S3_BUCKET: a cluster (REDIS_URL) needs files every node can read: set S3_BUCKET, or UPLOAD_DIR to a folder shared by every node",
    ]);
    expect(loadConfig({ ...cluster, UPLOAD_DIR: "/mnt/shared/uploads" }).files.uploadDir).toBe("/mnt/shared/uploads");
    expect(loadConfig({ ...cluster, S3_BUCKET: "chat-files" }).files.s3?.bucket).toBe("chat-files");
    // A single node keeps the default.
    expect(loadConfig({ DATABASE_URL: "mysql://root@db/chat" }).files.uploadDirSet).toBe(false);
  });

  it("accepts an allowed origins list", () => {
    expect(loadConfig({ ALLOWED_ORIGINS: "https://a.example, http://localhost:3000" }).allowedOrigins).toEqual([
      "https://a.example",
      "http://localhost:3000",
    ]);
  });
});

describe("parseDatabaseUrl", () => {
  it("parses the three schemes", () => {
    expect(parseDatabaseUrl("sqlite:./data/x.db")).toEqual({ dialect: "sqlite", path: "./data/x.db" });
    expect(parseDatabaseUrl("sqlite:///var/lib/chat.db")).toEqual({ dialect: "sqlite", path: "/var/lib/chat.db" });
    expect(parseDatabaseUrl("mysql://u:p%40ss@h:3307/chat")).toEqual({
      dialect: "mysql",
      host: "h",
      port: 3307,
      user: "u",
      password: "p@ss",
      database: "chat",
    });
    expect(parseDatabaseUrl("postgres://u@h/chat")).toEqual({ dialect: "postgres", connectionString: "postgres://u@h/chat" });
  });

  it("explains what is wrong", () => {
    expect(parseDatabaseUrl("sqlite:")).toMatch(/needs a file path/);
    expect(parseDatabaseUrl("ftp://h/x")).toMatch(/unsupported scheme/);
    expect(parseDatabaseUrl("::::")).toMatch(/not a URL/);
  });
});

describe("readEnv", () => {
  it("reads .env under the process environment", () => {
    const dir = mkdtempSync(join(tmpdir(), "chatapp-env-"));
    writeFileSync(join(dir, ".env"), "PORT=9000\nLOG_LEVEL=debug\n# comment\n");
    const env = readEnv(dir, { LOG_LEVEL: "warn" });
    expect(env.PORT).toBe("9000");
    expect(env.LOG_LEVEL).toBe("warn");
  });
});

describe("BEFORE_SEND_* (integrations §2, §6)", () => {
  const secret = `whsec_${Buffer.alloc(32, 3).toString("base64")}`;

  it("is off without BEFORE_SEND_URL, with the documented defaults when set", () => {
    expect(loadConfig({}).beforeSend).toBeUndefined();
    expect(loadConfig({ BEFORE_SEND_URL: "https://app.example.com/hook", BEFORE_SEND_SECRET: secret }).beforeSend).toEqual({
      url: "https://app.example.com/hook",
      secret,
      timeoutMs: 2000,
      failure: "allow",
    });
  });

  it("takes WEBHOOK_SECRET when BEFORE_SEND_SECRET is unset, and the other settings", () => {
    const c = loadConfig({
      BEFORE_SEND_URL: "http://127.0.0.1:9999/hook",
      WEBHOOK_SECRET: secret,
      BEFORE_SEND_TIMEOUT_MS: "100",
      BEFORE_SEND_FAILURE: "reject",
    });
    expect(c.beforeSend).toEqual({ url: "http://127.0.0.1:9999/hook", secret, timeoutMs: 100, failure: "reject" });
  });

  it("stops the start naming each bad variable, never showing a secret", () => {
    expect(problems({ BEFORE_SEND_URL: "https://app.example.com/hook" })).toEqual([
      expect.stringMatching(/^BEFORE_SEND_SECRET: required with BEFORE_SEND_URL/),
    ]);
    const found = problems({
      BEFORE_SEND_URL: "ftp://app.example.com/hook",
      BEFORE_SEND_SECRET: "whsec_dG9vIHNob3J0",
      BEFORE_SEND_TIMEOUT_MS: "10001",
      BEFORE_SEND_FAILURE: "maybe",
    });
    expect(found.map((p) => p.split(":")[0]).sort()).toEqual([
      "BEFORE_SEND_FAILURE",
      "BEFORE_SEND_SECRET",
      "BEFORE_SEND_TIMEOUT_MS",
      "BEFORE_SEND_URL",
    ]);
    expect(found.join("\n")).not.toContain("dG9vIHNob3J0");
    expect(problems({ BEFORE_SEND_URL: "https://a.example/h", WEBHOOK_SECRET: "plain" })).toEqual([
      expect.stringMatching(/^WEBHOOK_SECRET: must start with whsec_/),
    ]);
    expect(
      problems({ BEFORE_SEND_URL: "https://a.example/h", BEFORE_SEND_SECRET: secret, BEFORE_SEND_TIMEOUT_MS: "99" }),
    ).toEqual([expect.stringMatching(/^BEFORE_SEND_TIMEOUT_MS: must be a whole number from 100 to 10000/)]);
    expect(problems({ BEFORE_SEND_SECRET: secret })).toEqual([
      expect.stringMatching(/^BEFORE_SEND_SECRET: has no effect without BEFORE_SEND_URL/),
    ]);
  });
});
