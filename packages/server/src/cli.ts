#!/usr/bin/env node
import { parseArgs } from "node:util";
import { TokenService } from "./auth/tokens.js";
import { describeDatabase } from "./config.js";
import { createLogger } from "./logger.js";
import { configOrExit, configWithSecretOrExit, serve } from "./serve.js";
import { explainStartupError } from "./startup-errors.js";
import { ensureDatabaseExists, openStore } from "./store/database.js";
import { migrateToLatest } from "./store/migrate.js";

const USAGE = `Usage: chatapp <command>

Commands:
  serve                      start the server (the default)
  migrate                    bring the database schema up to date, then exit
  token --user <id> [--ttl <seconds>]
                             print a token for that user, signed with the server's secret (for local use)

Configuration comes from the environment and a .env file in the current folder;
see the README for every variable.`;

async function migrate(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config);
  logger.info(`migrating ${describeDatabase(config.database)}`);
  try {
    await ensureDatabaseExists(config.database);
    const store = openStore(config.database);
    try {
      const applied = await migrateToLatest(store, logger);
      logger.info(applied.length === 0 ? "schema is up to date" : `applied ${applied.length} migration(s)`);
    } finally {
      await store.destroy();
    }
  } catch (err) {
    logger.fatal({ err }, `migration failed: ${explainStartupError(err, config.database)}`);
    process.exit(1);
  }
}

async function token(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { user: { type: "string" }, ttl: { type: "string" } } });
  const user = Number(values.user);
  const ttl = values.ttl === undefined ? 24 * 3600 : Number(values.ttl);
  if (!values.user || !Number.isSafeInteger(user) || user < 1) fail("token: --user <id> must be a positive whole number");
  if (!Number.isSafeInteger(ttl) || ttl < 1) fail("token: --ttl <seconds> must be a positive whole number");
  // JWT_SECRET, or the development secret a server started here uses (made now if need be).
  const config = configWithSecretOrExit();
  if (ttl > config.jwt.maxLifetimeSeconds) {
    fail(`token: --ttl ${ttl} is longer than the server accepts (JWT_MAX_LIFETIME=${config.jwt.maxLifetimeSeconds} s)`);
  }
  process.stdout.write(`${await new TokenService({ secret: config.jwtSecret, ...config.jwt }).sign(user, ttl)}\n`);
}

function fail(message: string): never {
  process.stderr.write(`chatapp ${message}\n`);
  process.exit(2);
}

const [command = "serve", ...rest] = process.argv.slice(2);
switch (command) {
  case "serve":
    await serve();
    break;
  case "migrate":
    await migrate();
    break;
  case "token":
    await token(rest);
    break;
  case "help":
  case "--help":
  case "-h":
    process.stdout.write(`${USAGE}\n`);
    break;
  default:
    process.stderr.write(`chatapp: unknown command "${command}"\n\n${USAGE}\n`);
    process.exit(2);
}
