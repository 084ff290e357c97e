import { TokenService } from "./auth/tokens.js";
import { describeDatabase } from "./config.js";
import { createLogger } from "./logger.js";
import { configOrExit, configWithSecretOrExit } from "./serve.js";
import { explainStartupError } from "./startup-errors.js";
import { ensureDatabaseExists, openStore } from "./store/database.js";
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
