import { withDevSecret } from "./auth/dev-secret.js";
import { type Config, ConfigError, loadConfig, readEnv } from "./config.js";

// The CLI's commands read their configuration through here, not through serve.ts: a command
// such as `chatapp apikey list` then loads neither the app nor its dependencies (about 1 s
// of start-up per run).

/** Loads the configuration or exits with one message naming every bad variable. */
export function configOrExit(): Config {
  try {
    return loadConfig(readEnv());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`chatapp: ${err.message}\n`);
    process.exit(1);
  }
}

/**
 * The configuration with the secret tokens are signed with: JWT_SECRET, or outside production
 * the one kept in the data folder (made on first use). Exits with a message when that file
 * cannot be read or written.
 */
export function configWithSecretOrExit(): Config {
  const config = configOrExit();
  try {
    return withDevSecret(config);
  } catch (err) {
    process.stderr.write(
      `chatapp: cannot keep the development JWT secret in ${config.jwtSecretFile}: ${(err as Error).message}. ` +
        "Set JWT_SECRET, or fix the data folder's permissions.\n",
    );
    process.exit(1);
  }
}
