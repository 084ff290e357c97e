import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseConfig } from "@chatapp/server";
import { createConnection } from "mysql2/promise";
import pg from "pg";
import { describe, it } from "vitest";

/**
 * The databases every integration suite runs on. Each suite gets a database of its own and
 * drops it afterwards. A service that is not reachable skips its suites with a loud
 * message, or fails them when CHATAPP_REQUIRE_SERVICES=1 (as CI sets it).
 */
export type DialectName = "sqlite" | "mysql" | "postgres";

export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

const MYSQL_URL = new URL(process.env.CHATAPP_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306");
const POSTGRES_URL = process.env.CHATAPP_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REQUIRED = process.env.CHATAPP_REQUIRE_SERVICES === "1";
const LABEL: Record<DialectName, string> = {
  sqlite: "SQLite",
  mysql: `MariaDB/MySQL at ${MYSQL_URL.host}`,
  postgres: `PostgreSQL at ${new URL(POSTGRES_URL).host}`,
};

const uniqueName = () => `chatapp_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

const mysqlAdmin = () =>
  createConnection({
    host: MYSQL_URL.hostname,
    port: Number(MYSQL_URL.port || 3306),
    user: decodeURIComponent(MYSQL_URL.username || "root"),
    password: decodeURIComponent(MYSQL_URL.password),
    connectTimeout: 3000,
  });

async function pgAdmin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  return client;
}

async function probe(name: DialectName): Promise<string | undefined> {
  try {
    if (name === "mysql") await (await mysqlAdmin()).end();
    if (name === "postgres") await (await pgAdmin()).end();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export async function createTestDatabase(name: DialectName): Promise<TestDatabase> {
  const db = uniqueName();
  switch (name) {
    case "sqlite": {
      const dir = mkdtempSync(join(tmpdir(), "chatapp-test-"));
      return {
        config: { dialect: "sqlite", path: join(dir, "chat.db") },
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    }
    case "mysql": {
      const admin = await mysqlAdmin();
      await admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
      await admin.end();
      return {
        config: {
          dialect: "mysql",
          host: MYSQL_URL.hostname,
          port: Number(MYSQL_URL.port || 3306),
          user: decodeURIComponent(MYSQL_URL.username || "root"),
          password: decodeURIComponent(MYSQL_URL.password),
          database: db,
        },
        drop: async () => {
          const c = await mysqlAdmin();
          await c.query(`DROP DATABASE IF EXISTS \`${db}\``);
          await c.end();
        },
      };
    }
    case "postgres": {
      const admin = await pgAdmin();
      await admin.query(`CREATE DATABASE "${db}"`);
      await admin.end();
      const url = new URL(POSTGRES_URL);
      url.pathname = `/${db}`;
      return {
        config: { dialect: "postgres", connectionString: url.toString() },
        drop: async () => {
          const c = await pgAdmin();
          await c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
          await c.end();
        },
      };
    }
  }
}

const wanted = (process.env.CHATAPP_TEST_DIALECTS ?? "sqlite,mysql,postgres")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean) as DialectName[];

const problems = new Map<DialectName, string | undefined>(
  await Promise.all(wanted.map(async (d) => [d, await probe(d)] as const)),
);

/** Defines the suite once per dialect (or per dialect of `only`); `body` gets the dialect's name. */
export function describeEachDialect(
  title: string,
  body: (dialect: DialectName) => void,
  options: { only?: DialectName[] } = {},
): void {
  for (const dialect of wanted) {
    if (options.only && !options.only.includes(dialect)) continue;
    const problem = problems.get(dialect);
    const name = `${title} [${dialect}]`;
    if (problem === undefined) {
      describe(name, () => body(dialect));
    } else if (REQUIRED) {
      describe(name, () => {
        it(`needs ${LABEL[dialect]}`, () => {
          throw new Error(`${LABEL[dialect]} is not reachable (${problem}) and CHATAPP_REQUIRE_SERVICES=1`);
        });
      });
    } else {
      console.warn(
        `\n!!! SKIPPED "${name}": ${LABEL[dialect]} is not reachable (${problem}). ` +
          "Start it, or set CHATAPP_TEST_DIALECTS to choose dialects.\n",
      );
      describe.skip(name, () => body(dialect));
    }
  }
}
