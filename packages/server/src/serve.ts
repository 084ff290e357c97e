import { createApp } from "./app.js";
import { describeDatabase } from "./config.js";
import { configWithSecretOrExit } from "./config-or-exit.js";
import { createLogger } from "./logger.js";
import { explainStartupError } from "./startup-errors.js";
import { startupWarnings } from "./startup-warnings.js";

/** `chatapp serve`: config -> app -> listen; SIGTERM/SIGINT stop it gracefully. */
export async function serve(): Promise<void> {
  const config = configWithSecretOrExit();
  const logger = createLogger(config);
  for (const warning of startupWarnings(config)) logger.warn(warning);

  let app: Awaited<ReturnType<typeof createApp>>;
  let port: number;
  try {
    app = await createApp(config, { logger });
    port = await app.listen();
  } catch (err) {
    logger.fatal({ err }, `cannot start: ${explainStartupError(err, config.database)}`);
    process.exit(1);
  }
  logger.info(
    { port, database: describeDatabase(config.database) },
    `ChatApp is listening on http://localhost:${port} (database ${describeDatabase(config.database)})`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const deadline = setTimeout(() => {
      logger.error(`shutdown took longer than ${config.shutdownTimeoutMs} ms; exiting anyway`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    // Kept referenced: the deadline holds even if whatever keeps the shutdown waiting does not.
    void deadline;
    app.close().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  // Once: a second signal gets the default action and ends the process at once.
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}
