import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseConfig } from "@chatapp/server";
import { describeEachDialect, eventually, exited, runCli, TestSocket, useSuite } from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ENV_KEY = "env-admin-key-0123456789-abcdefghijklmnop";

/** The DATABASE_URL that names the suite's database, for the CLI. */
function databaseUrl(db: DatabaseConfig): string {
  switch (db.dialect) {
    case "sqlite":
      return `sqlite:${db.path}`;
    case "mysql":
      return `mysql://${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}@${db.host}:${db.port}/${db.database}`;
    case "postgres":
      return db.connectionString;
  }
}

describeEachDialect("API keys and the admin guard", (dialect) => {
  const suite = useSuite(dialect, { env: { ADMIN_API_KEY: ENV_KEY } });
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "chatapp-apikey-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = async (args: string[]) => {
    const child = runCli(["apikey", ...args], { DATABASE_URL: databaseUrl(suite().database.config) }, dir);
    let stdout = "";
    child.stdout?.on("data", (d) => (stdout += d));
    const code = await exited(child);
    return { code, stdout, output: child.output() };
  };

  const admin = (path: string, headers: Record<string, string> = {}) =>
    fetch(suite().server.url + path, { headers }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));

  it("opens the admin API with ADMIN_API_KEY as a bearer token or in X-Api-Key", async () => {
    expect((await admin("/api/admin/audit", { authorization: `Bearer ${ENV_KEY}` })).status).toBe(200);
    expect((await admin("/api/admin/audit", { "x-api-key": ENV_KEY })).status).toBe(200);
  });

  it("guards every path under /api/admin: 401 without a key, 404 with one for a route that is not there", async () => {
    expect((await admin("/api/admin/no-such-route")).status).toBe(401);
    const { status, body } = await admin("/api/admin/no-such-route", { "x-api-key": ENV_KEY });
    expect(status).toBe(404);
    expect(body.error.code).toBe("not_found");
  });

  it("answers 401 unauthorized without a key, with a wrong one, and with a user's JWT", async () => {
    const token = await suite().server.token(1);
    for (const headers of [
      {},
      { authorization: "Bearer chatapp_not-a-key-not-a-key-not-a-key-0000000" },
      { "x-api-key": `${ENV_KEY}x` },
      { authorization: `Bearer ${token}` },
      { "x-api-key": token },
    ] as Record<string, string>[]) {
      const { status, body } = await admin("/api/admin/audit", headers);
      expect(status, JSON.stringify(headers)).toBe(401);
      expect(body.error.code).toBe("unauthorized");
    }
  });

  it("refuses every admin route of the OpenAPI document without a key or with a user's JWT", async () => {
    const doc = (await (await fetch(`${suite().server.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/api/admin/"))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path, op: methods[method] })),
      );
    // The contract's admin API, all described (and so all in this matrix).
    const described = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const route of [
      "POST /api/admin/users",
      "GET /api/admin/users/{id}",
      "PATCH /api/admin/users/{id}",
      "DELETE /api/admin/users/{id}",
      "POST /api/admin/users/{id}/tokens",
      "POST /api/admin/users/{id}/ban",
      "DELETE /api/admin/users/{id}/ban",
      "GET /api/admin/users/{id}/export",
      "POST /api/admin/conversations",
      "POST /api/admin/conversations/{id}/members",
      "DELETE /api/admin/conversations/{id}/members/{userId}",
      "POST /api/admin/conversations/{id}/messages",
      "DELETE /api/admin/messages/{id}",
      "GET /api/admin/reports",
      "PATCH /api/admin/reports/{id}",
      "POST /api/admin/retention/run",
      "POST /api/admin/webhooks",
      "GET /api/admin/webhooks",
      "DELETE /api/admin/webhooks/{id}",
    ]) {
      expect(described, route).toContain(route);
    }
    const token = await suite().server.token(1);
    for (const { method, path, op } of routes) {
      expect(op?.security, `${method} ${path} names its security scheme`).toBeTruthy();
      const url = suite().server.url + path.replace(/\{[^}]+\}/g, "1");
      const body = method === "GET" || method === "DELETE" ? undefined : "{}";
      for (const headers of [{}, { authorization: `Bearer ${token}` }, { "x-api-key": token }] as Record<string, string>[]) {
        const res = await fetch(url, {
          method,
          headers: body ? { ...headers, "content-type": "application/json" } : headers,
          body,
        });
        expect(res.status, `${method} ${path} with ${Object.keys(headers).join() || "no key"}`).toBe(401);
        expect(((await res.json()) as any).error.code).toBe("unauthorized");
      }
    }
  });

  it("refuses a key on user routes and on the /ws upgrade like any bad token (401)", async () => {
    const res = await fetch(`${suite().server.url}/api/me`, { headers: { authorization: `Bearer ${ENV_KEY}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("unauthorized");
    const upgrade = TestSocket.open(suite().server.wsUrl, { headers: { authorization: `Bearer ${ENV_KEY}` } });
    await expect(upgrade).rejects.toMatchObject({ status: 401 });
  });

  it("makes, lists and revokes keys with the CLI; running servers follow within 5 s", { timeout: 180_000 }, async () => {
    const [made, otherCase] = await Promise.all([
      cli(["create", "--name", "billing backend"]),
      cli(["create", "--name", "Billing Backend"]),
    ]);
    // Names are compared exactly, in every dialect.
    expect(otherCase.code, otherCase.output).toBe(0);
    expect(made.code, made.output).toBe(0);
    // The key alone on one line, and nothing else on stdout.
    expect(made.stdout).toMatch(/^chatapp_[A-Za-z0-9_-]{43}\n$/);
    const key = made.stdout.trim();
    await eventually(
      async () => (await admin("/api/admin/audit", { "x-api-key": key })).status === 200,
      5000,
      "the new key works",
    );
    expect((await admin("/api/admin/audit", { authorization: `Bearer ${key}` })).status).toBe(200);

    // The database keeps only a hash: the key's text is nowhere in its table.
    const rows = await suite().server.app.store.db.selectFrom("api_keys").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(key.slice(8));

    // Each CLI run costs a second or two of start-up: those that do not depend on each other
    // run side by side.
    const [taken, list, unknown] = await Promise.all([
      cli(["create", "--name", "billing backend"]),
      cli(["list"]),
      cli(["revoke", "no such key"]),
    ]);
    expect(unknown.code).toBe(2);
    expect(taken.code).toBe(2);
    expect(taken.stdout).toBe("");
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.includes("\tbilling backend\t"))).toMatch(
      /^\d+\tbilling backend\tcreated \d{4}-.+Z\tlast used \d{4}-.+Z$/,
    );
    expect(lines.find((l) => l.includes("\tBilling Backend\t"))).toMatch(/\tlast used never$/);
    expect(list.stdout).not.toContain(key);

    const revoked = await cli(["revoke", "billing backend"]);
    expect(revoked.code, revoked.output).toBe(0);
    const [relisted] = await Promise.all([
      cli(["list"]),
      eventually(async () => (await admin("/api/admin/audit", { "x-api-key": key })).status === 401, 5000, "the key is refused"),
    ]);
    expect(relisted.stdout).toMatch(/\tbilling backend\t.*\trevoked \d{4}-/);
  });
});

// A name is checked before the database is asked anything (ApiKeys.create), so one database
// shows it; every dialect's exit 2 is seen above (a taken name, an unknown key).
describe("the apikey command's name checks", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "chatapp-apikey-names-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses bad key names with exit 2", { timeout: 120_000 }, async () => {
    const results = await Promise.all(
      // A database each: two first runs at once would both migrate one file.
      ["x".repeat(65), "ADMIN_API_KEY"].map(async (name, i) => {
        const child = runCli(["apikey", "create", "--name", name], { DATABASE_URL: `sqlite:${dir}/chat-${i}.db` }, dir);
        let stdout = "";
        child.stdout?.on("data", (d) => (stdout += d));
        return { code: await exited(child), stdout, output: child.output() };
      }),
    );
    for (const r of results) {
      expect(r.code, r.output).toBe(2);
      expect(r.stdout).toBe("");
    }
  });
});

describe("the apikey command's help", () => {
  it("is listed in the help and has its own", async () => {
    const child = runCli(["apikey", "--help"], {}, tmpdir());
    expect(await exited(child)).toBe(0);
    expect(child.output()).toMatch(/^Usage: chatapp apikey create --name <name>/);
  });
});
