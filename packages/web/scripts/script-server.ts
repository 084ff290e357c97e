import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { createApp } from "../../server/src/app.js";
import { loadConfig } from "../../server/src/config.js";
import { PASSWORD } from "../test/app-driver.js";
import type { HttpAsUser } from "../test/seed.js";

/**
 * The real server for a script (screenshots, benchmarks): on a free port, on a SQLite database
 * in a temporary folder, quiet, with a fresh secret. `api` makes requests as any user; `close`
 * stops it and removes the folder.
 */
export async function startScriptServer(name: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), `chatapp-${name}-`));
  const sqlitePath = join(dir, "chat.db");
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    JWT_SECRET: randomBytes(32).toString("hex"),
    LOG_FORMAT: "json",
    ...env,
  });
  config.database = { dialect: "sqlite", path: sqlitePath };
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

  /** An account (the test password), by the API; its user id. */
  async function register(username: string, displayName: string): Promise<number> {
    const { body } = await api.http("/api/auth/register", {
      method: "POST",
      json: { username, password: PASSWORD, display_name: displayName },
    });
    return body.user.id;
  }

  async function close(): Promise<void> {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }

  return { app, port, url, api, register, sqlitePath, close };
}
