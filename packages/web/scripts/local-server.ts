import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChatApp, createApp, loadConfig } from "@chatapp/server";
import pino from "pino";
import { type HttpAsUser, registerOverApi } from "../test/seed.js";

export interface LocalServer {
  app: ChatApp;
  port: number;
  url: string;
  /** The SQLite file, for seeding that the API cannot do (backdating). */
  dbPath: string;
  /** The HTTP API as any user (the server signs the token). */
  api: HttpAsUser;
  /** Registers an account with the tests' password; its user id. */
  register(username: string, displayName: string): Promise<number>;
  /** Stops the server and deletes its database. */
  close(): Promise<void>;
}

/**
 * A server for the scripts (screenshots, performance): on a free port, on SQLite in a new
 * temporary folder, with a random secret and no logs. `env` adds settings.
 */
export async function startLocalServer(prefix: string, env: Record<string, string> = {}): Promise<LocalServer> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dbPath = join(dir, "chat.db");
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    JWT_SECRET: randomBytes(32).toString("hex"),
    LOG_FORMAT: "json",
    ...env,
  });
  config.database = { dialect: "sqlite", path: dbPath };
  const app = await createApp(config, { logger: pino({ level: "silent" }) });
  const port = await app.listen();
  const url = `http://127.0.0.1:${port}`;
  const api: HttpAsUser = {
    async http(path, init = {}) {
      const { userId, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (userId !== undefined) headers.set("authorization", `Bearer ${await app.tokens.sign(userId)}`);
      if (json !== undefined) headers.set("content-type", "application/json");
      const res = await fetch(url + path, { ...rest, headers, body: json === undefined ? null : JSON.stringify(json) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
  return {
    app,
    port,
    url,
    dbPath,
    api,
    register: (username, displayName) => registerOverApi(api, username, displayName),
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
