import { type ChatApp, type Config, createApp, type LogLevel, loadConfig, loggerOptions } from "@chatapp/server";
import { SignJWT } from "jose";
import pino from "pino";
import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, type DialectName, type TestDatabase } from "./dialects.js";
import { TestSocket } from "./ws-client.js";

export const TEST_SECRET = "test-secret-test-secret-test-secret-0123";

/**
 * A token for `userId` signed with TEST_SECRET, as the server's own tokens are (HS256, `sub`,
 * a day by default): for servers started elsewhere (processes, clusters) with that secret.
 */
export async function signTestToken(userId: number, ttlSeconds = 24 * 3600): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(String(userId))
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(TEST_SECRET));
}

/**
 * The abuse limits, off: most suites send and connect as fast as they can on purpose. The
 * suites about limits (limits.test.ts) turn them on.
 */
export const NO_LIMITS: Record<string, string> = {
  RATE_MESSAGES_PER_SECOND: "0",
  RATE_FRAMES_PER_SECOND: "0",
  MAX_CONNECTIONS_PER_USER: "0",
  MAX_CONNECTIONS_PER_IP: "0",
  MAX_HTTP_CONNECTIONS_PER_IP: "0",
  AUTH_ATTEMPTS_PER_MINUTE_PER_IP: "0",
  AUTH_ATTEMPTS_PER_MINUTE_PER_USERNAME: "0",
  RATE_ACTIONS_PER_MINUTE: "0",
  RATE_GROUPS_PER_HOUR: "0",
  RATE_MEMBER_ADDS_PER_HOUR: "0",
  PRESENCE_ANNOUNCE_INTERVAL_MS: "0",
  RATE_UPLOADS_PER_MINUTE: "0",
  RATE_REPORTS_PER_HOUR: "0",
};

export interface TestServer {
  app: ChatApp;
  port: number;
  url: string;
  wsUrl: string;
  token(userId: number, ttlSeconds?: number): Promise<string>;
  /** Opens an authenticated socket and waits for its `ready` frame. */
  connect(userId: number): Promise<TestSocket>;
  /** fetch() against the server, with the user's token when `userId` is given. */
  http(path: string, init?: RequestInit & { userId?: number; json?: unknown }): Promise<{ status: number; body: any }>;
  /** Stops the server (graceful), keeping the database. */
  stop(): Promise<void>;
  /** Starts a new server on the same database. */
  restart(): Promise<TestServer>;
}

export interface ServerOptions {
  env?: Record<string, string>;
  /** Receives every log line (JSON) the server writes. */
  logLines?: string[];
  configure?: (config: Config) => void;
}

/** Starts the real server on a free port, on a database made for this suite. */
export async function startServer(database: TestDatabase, options: ServerOptions = {}): Promise<TestServer> {
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    JWT_SECRET: TEST_SECRET,
    LOG_FORMAT: "json",
    // No fetches of the pages test messages link to, unless a suite asks (link-previews tests).
    LINK_PREVIEWS: "false",
    ...NO_LIMITS,
    ...options.env,
  });
  config.database = database.config;
  options.configure?.(config);
  const lines = options.logLines;
  // The server's own logger options (redaction included), writing where the test wants.
  const logger = lines
    ? pino(loggerOptions("info"), { write: (line: string) => void lines.push(line) })
    : pino(loggerOptions((process.env.TEST_LOG_LEVEL ?? "silent") as LogLevel | "silent"));
  const app = await createApp(config, { logger });
  const port = await app.listen();
  const url = `http://127.0.0.1:${port}`;
  const server: TestServer = {
    app,
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    token: (userId, ttl) => app.tokens.sign(userId, ttl),
    async connect(userId) {
      const socket = await TestSocket.open(server.wsUrl, { headers: { authorization: `Bearer ${await server.token(userId)}` } });
      await socket.next((f) => f.type === "ready");
      return socket;
    },
    async http(path, init = {}) {
      const { userId, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (userId !== undefined) headers.set("authorization", `Bearer ${await server.token(userId)}`);
      if (json !== undefined) headers.set("content-type", "application/json");
      const res = await fetch(url + path, { ...rest, headers, body: json === undefined ? rest.body : JSON.stringify(json) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    stop: () => app.close(),
    restart: () => startServer(database, options),
  };
  return server;
}

/** A database for the suite and a server on it, both cleaned up by `done()`. */
export async function startSuite(dialect: DialectName, options: ServerOptions = {}) {
  const database = await createTestDatabase(dialect);
  const server = await startServer(database, options);
  const sockets: TestSocket[] = [];
  return {
    database,
    server,
    /** Like server.connect, but the socket is closed by done(). */
    async connect(userId: number, on: TestServer = server) {
      const s = await on.connect(userId);
      sockets.push(s);
      return s;
    },
    async done(extra: TestServer[] = []) {
      await Promise.all(sockets.map((s) => s.close().catch(() => {})));
      for (const s of [server, ...extra]) await s.stop().catch(() => {});
      await database.drop();
    },
  };
}

export type Suite = Awaited<ReturnType<typeof startSuite>>;

/**
 * Registers the suite's database and server with beforeAll/afterAll; call the returned
 * function inside tests to reach them.
 */
export function useSuite(dialect: DialectName, options: ServerOptions = {}): () => Suite {
  let suite: Suite | undefined;
  beforeAll(async () => {
    suite = await startSuite(dialect, options);
  });
  afterAll(() => suite?.done());
  return () => {
    if (!suite) throw new Error("the suite has not started");
    return suite;
  };
}
