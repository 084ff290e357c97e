import pino from "pino";
import { TokenService } from "./auth/tokens.js";
import { ApiKeys } from "./chat/api-keys.js";
import { describeDatabase } from "./config.js";
import { configOrExit, configWithSecretOrExit } from "./config-or-exit.js";
import { createLogger, loggerOptions } from "./logger.js";
import { explainStartupError } from "./startup-errors.js";
import { ApiKeysRepo } from "./store/api-keys-repo.js";
import { ensureDatabaseExists, openStore, type Store } from "./store/database.js";
import { migrateToLatest } from "./store/migrate.js";

/** `chatapp migrate`: brings the schema up to date and returns; exits 1 when it cannot. */
export async function migrate(): Promise<void> {
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

/**
 * `chatapp token`: prints a token for `user`, signed with the secret a server started here
 * would use (JWT_SECRET, or the development secret in the data folder).
 */
export async function printToken(user: number, ttl: number): Promise<void> {
  const config = configWithSecretOrExit();
  if (ttl > config.jwt.maxLifetimeSeconds) {
    process.stderr.write(
      `chatapp token: --ttl ${ttl} is longer than the server accepts (JWT_MAX_LIFETIME=${config.jwt.maxLifetimeSeconds} s)\n`,
    );
    process.exit(2);
  }
  process.stdout.write(`${await new TokenService({ secret: config.jwtSecret, ...config.jwt }).sign(user, ttl)}\n`);
}

/**
 * Opens the database a server started here would use (migrated first, so a key can be made
 * before the first `serve`), runs `work`, and closes it. Log lines go to stderr: stdout holds
 * only what the command prints. Exits 1 when the database cannot be reached.
 */
async function withApiKeys(command: string, work: (keys: ApiKeys) => Promise<void>): Promise<void> {
  const config = configOrExit();
  const logger = pino(loggerOptions(config.logLevel === "info" ? "warn" : config.logLevel), pino.destination(2));
  let store: Store | undefined;
  try {
    await ensureDatabaseExists(config.database);
    store = openStore(config.database, { poolSize: 1 });
    await migrateToLatest(store, logger);
  } catch (err) {
    await store?.destroy();
    process.stderr.write(`chatapp apikey ${command}: ${explainStartupError(err, config.database)}\n`);
    process.exit(1);
  }
  try {
    await work(new ApiKeys(new ApiKeysRepo(store), undefined));
  } finally {
    await store.destroy();
  }
}

const iso = (ms: number | null) => (ms === null ? "never" : new Date(Number(ms)).toISOString());

/** `chatapp apikey create --name <name>`: prints the new key, alone, once; a taken or bad name exits 2. */
export async function createApiKey(name: string): Promise<void> {
  await withApiKeys("create", async (keys) => {
    const made = await keys.create(name);
    if (!made.ok) {
      process.stderr.write(`chatapp apikey create: ${made.problem}\n`);
      process.exitCode = 2;
      return;
    }
    process.stdout.write(`${made.key}\n`);
    process.stderr.write(`created API key "${made.info.name}" (id ${made.info.id}); it is shown only this once\n`);
  });
}

/** `chatapp apikey list`: one line per key (id, name, created, last used, revoked); never a key. */
export async function listApiKeys(): Promise<void> {
  await withApiKeys("list", async (keys) => {
    for (const k of await keys.list()) {
      const revoked = k.revoked_at === null ? "" : `\trevoked ${iso(k.revoked_at)}`;
      process.stdout.write(`${k.id}\t${k.name}\tcreated ${iso(k.created_at)}\tlast used ${iso(k.last_used_at)}${revoked}\n`);
    }
  });
}

/** `chatapp apikey revoke <name|id>`: running nodes refuse the key within seconds; an unknown one exits 2. */
export async function revokeApiKey(nameOrId: string): Promise<void> {
  await withApiKeys("revoke", async (keys) => {
    const key = await keys.revoke(nameOrId);
    if (!key) {
      process.stderr.write(`chatapp apikey revoke: no key named or numbered "${nameOrId}"\n`);
      process.exitCode = 2;
      return;
    }
    process.stdout.write(`revoked API key "${key.name}" (id ${key.id})\n`);
  });
}
