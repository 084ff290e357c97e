import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, LogController } from "fastify";
import type { Logger } from "pino";
import { TokenService } from "./auth/tokens.js";
import type { Broker } from "./broker/broker.js";
import { MemoryBroker } from "./broker/memory.js";
import { type ChatServices, createChatServices } from "./chat/services.js";
import { throttledErrorLog } from "./chat/throttled-log.js";
import type { Config } from "./config.js";
import { Gateway } from "./gateway/gateway.js";
import { registerWebSocketRoute } from "./gateway/ws-route.js";
import { requireUser } from "./http/auth-guard.js";
import { installCors } from "./http/cors.js";
import { installErrorHandling } from "./http/errors.js";
import { OpenSockets } from "./http/open-sockets.js";
import { installRequestLog } from "./http/request-log.js";
import { authRoutes } from "./http/routes/auth.js";
import { conversationsRoutes } from "./http/routes/conversations.js";
import { healthRoutes } from "./http/routes/health.js";
import { messagesRoutes } from "./http/routes/messages.js";
import { messagesHistoryRoutes } from "./http/routes/messages-history.js";
import { searchRoutes } from "./http/routes/search.js";
import { usersStatusRoutes } from "./http/routes/users-status.js";
import { webUiRoutes } from "./http/routes/web-ui.js";
import { installValidation } from "./http/validation.js";
import { createLogger } from "./logger.js";
import { ensureDatabaseExists, openStore, type Store } from "./store/database.js";
import { migrateToLatest } from "./store/migrate.js";

export interface ChatApp {
  config: Config;
  logger: Logger;
  store: Store;
  broker: Broker;
  chat: ChatServices;
  gateway: Gateway;
  tokens: TokenService;
  /** Starts listening; resolves with the port. */
  listen(): Promise<number>;
  /**
   * Graceful stop: refuse new sockets, close open ones with 1012, let in-flight requests
   * and queued writes finish, mark this node's users offline, close the database.
   */
  close(): Promise<void>;
}

/** How long stopping the HTTP server may wait for open connections before cutting them. */
const HTTP_CLOSE_GRACE_MS = 3000;

/** The composition root: store, broker, chat services, HTTP routes and the gateway. */
export async function createApp(config: Config, options: { logger?: Logger } = {}): Promise<ChatApp> {
  const logger = options.logger ?? createLogger(config);
  await ensureDatabaseExists(config.database);
  const store = openStore(config.database);
  try {
    await migrateToLatest(store, logger);
  } catch (err) {
    await store.destroy();
    throw err;
  }
  const broker = new MemoryBroker();
  const chat = createChatServices(
    store,
    broker,
    throttledErrorLog((err, what) => logger.error({ err }, what)),
    {
      provisionRecipients: config.provisionRecipients,
      commitTimeoutMs: config.commitTimeoutMs,
      maxGroupMembers: config.maxGroupMembers,
    },
  );
  const stale = await chat.presence.resetAfterRestart();
  if (stale > 0) logger.info({ users: stale }, "marked users left online by an unclean stop as offline");
  const tokens = new TokenService(config.jwtSecret);

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Our own hook writes one line per request, with tokens redacted.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  const openSockets = new OpenSockets(app.server);
  app.decorateRequest("userId", 0);
  installValidation(app);
  installErrorHandling(app);
  await installCors(app, config.allowedOrigins);
  installRequestLog(app);

  const gateway = new Gateway(chat, broker, config.ws, logger);
  const guard = requireUser(tokens, chat.directory);
  await registerWebSocketRoute(app, { gateway, tokens, directory: chat.directory, config });
  healthRoutes(app, { store, broker });
  authRoutes(app, { users: chat.users, tokens, guard });
  messagesHistoryRoutes(app, { history: chat.history, guard });
  usersStatusRoutes(app, { presence: chat.presence, guard });
  conversationsRoutes(app, { chat, guard });
  messagesRoutes(app, { chat, guard });
  searchRoutes(app, { chat, guard });
  await webUiRoutes(app);

  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    store,
    broker,
    chat,
    gateway,
    tokens,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      return typeof address === "object" && address ? address.port : config.port;
    },
    close() {
      closing ??= (async () => {
        const localUsers = await gateway.shutdown(1012);
        // In-flight requests get a few seconds; a connection stuck after that is cut.
        await openSockets.closeWithin(HTTP_CLOSE_GRACE_MS, () => app.close());
        await chat.drain();
        await chat.presence.markOffline(localUsers).catch((err) => logger.error({ err }, "could not mark users offline"));
        await broker.close();
        // A hung database must not hold the process: the pool gets a few seconds to close.
        await Promise.race([store.destroy(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
      })();
      return closing;
    },
  };
}
