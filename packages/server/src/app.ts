import { randomUUID } from "node:crypto";
import { CLOSE } from "@chatapp/protocol";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, LogController } from "fastify";
import type { Logger } from "pino";
import { TokenService } from "./auth/tokens.js";
import type { Broker } from "./broker/broker.js";
import { MemoryBroker } from "./broker/memory.js";
import { RedisBroker } from "./broker/redis.js";
import { Accounts } from "./chat/accounts.js";
import { AdminUsers } from "./chat/admin-users.js";
import { ApiKeys } from "./chat/api-keys.js";
import { AuditLog } from "./chat/audit-log.js";
import { PushSubscriptions } from "./chat/push-subscriptions.js";
import { Retention } from "./chat/retention.js";
import { type ChatServices, createChatServices } from "./chat/services.js";
import { Uploads } from "./chat/uploads.js";
import { adminAccountEnd, UserData } from "./chat/user-data.js";
import type { Config } from "./config.js";
import { openFileStore } from "./files/index.js";
import { Gateway } from "./gateway/gateway.js";
import { requireUser } from "./http/auth-guard.js";
import { authLimits } from "./http/auth-limits.js";
import { authenticator } from "./http/authenticate.js";
import { limitConnectionsPerAddress } from "./http/connection-limit.js";
import { installCors } from "./http/cors.js";
import { installErrorHandling } from "./http/errors.js";
import { OpenSockets } from "./http/open-sockets.js";
import { installOpenApi } from "./http/openapi.js";
import { installRequestLog } from "./http/request-log.js";
import { adminRoutes } from "./http/routes/admin/index.js";
import { authRoutes } from "./http/routes/auth.js";
import { blocksRoutes } from "./http/routes/blocks.js";
import { conversationsRoutes } from "./http/routes/conversations.js";
import { healthRoutes } from "./http/routes/health.js";
import { messagesRoutes } from "./http/routes/messages.js";
import { messagesHistoryRoutes } from "./http/routes/messages-history.js";
import { metricsRoutes } from "./http/routes/metrics.js";
import { pinsRoutes } from "./http/routes/pins.js";
import { pushRoutes } from "./http/routes/push.js";
import { reactionsRoutes } from "./http/routes/reactions.js";
import { reportsRoutes } from "./http/routes/reports.js";
import { searchRoutes } from "./http/routes/search.js";
import { uploadsRoutes } from "./http/routes/uploads.js";
import { usersStatusRoutes } from "./http/routes/users-status.js";
import { webUiRoutes } from "./http/routes/web-ui.js";
import { registerWebSocketRoute } from "./http/routes/ws.js";
import { installSecurityHeaders } from "./http/security-headers.js";
import { installValidation } from "./http/validation.js";
import { throttledErrorLog } from "./lib/throttled-log.js";
import { createLogger } from "./logger.js";
import { watchGateway } from "./metrics.js";
import { type Push, startPush } from "./push/index.js";
import { ApiKeysRepo } from "./store/api-keys-repo.js";
import { AuditRepo } from "./store/audit-repo.js";
import { ensureDatabaseExists, openStore, type Store } from "./store/database.js";
import { JobLeasesRepo } from "./store/job-leases-repo.js";
import { migrateToLatest } from "./store/migrate.js";
import { RetentionRepo } from "./store/retention-repo.js";
import { UploadsRepo } from "./store/uploads-repo.js";
import { UserDataRepo } from "./store/user-data-repo.js";
import { SERVER_VERSION } from "./version.js";
import { startWebhooks, type Webhooks } from "./webhooks/index.js";

export interface ChatApp {
  config: Config;
  logger: Logger;
  store: Store;
  broker: Broker;
  chat: ChatServices;
  /** Uploaded files (contract §3). */
  uploads: Uploads;
  /** Webhook endpoints and the delivery worker (integrations §2). */
  webhooks: Webhooks;
  /** Web Push (integrations §4): the VAPID pair, the subscriptions and the sender (`push.wake()` after queuing). */
  push: Push;
  /** Users' Web Push subscriptions, as the routes serve them. */
  pushSubscriptions: PushSubscriptions;
  /** Retention (integrations §5): the RETENTION_DAYS job and the admin's runs. */
  retention: Retention;
  gateway: Gateway;
  tokens: TokenService;
  /** The keys of the admin API (ADMIN_API_KEY and the CLI's). */
  apiKeys: ApiKeys;
  /** Starts listening; resolves with the port. */
  listen(): Promise<number>;
  /**
   * Graceful stop: refuse new sockets, close open ones with 1012, let in-flight requests
   * and queued writes finish, mark this node's users offline, close the database.
   */
  close(): Promise<void>;
}

/** How long a client may take to send a request's headers. */
const HEADERS_TIMEOUT_MS = 10_000;

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
  const nodeId = randomUUID();
  const broker: Broker = config.redisUrl
    ? new RedisBroker(config.redisUrl, {
        nodeId,
        onError: throttledErrorLog((err, what) => logger.warn({ err }, `${what}: cross-node events wait`)),
      })
    : new MemoryBroker();
  const chat = createChatServices(
    store,
    broker,
    throttledErrorLog((err, what) => logger.error({ err }, what)),
    {
      provisionRecipients: config.provisionRecipients,
      commitTimeoutMs: config.commitTimeoutMs,
      maxGroupMembers: config.maxGroupMembers,
      messagesPerSecond: config.limits.messagesPerSecond,
      messagesBurst: config.limits.messagesBurst,
      framesPerSecond: config.limits.framesPerSecond,
      framesBurst: config.limits.framesBurst,
      budgets: config.limits,
      presence: {
        nodeId,
        heartbeatMs: config.cluster.heartbeatMs,
        nodeTimeoutMs: config.cluster.nodeTimeoutMs,
        sole: config.redisUrl === undefined,
        announceIntervalMs: config.limits.presenceIntervalMs,
        onSwept: (node) => logger.warn({ node: node.id, silent_ms: node.silentMs, users: node.users }, "node taken for dead"),
      },
      linkPreviews: config.linkPreviews,
      beforeSend: config.beforeSend,
    },
  );
  // Local disk under UPLOAD_DIR, or the S3 bucket when S3_BUCKET is set.
  const files = openFileStore(config.files);
  const uploads = new Uploads(new UploadsRepo(store), files, chat.conversations, {
    maxBytes: config.uploads.maxBytes,
    perMinute: config.uploads.perMinute,
    quotaBytes: config.uploads.quotaBytes,
  });
  // Deleting a message deletes its attachments (contract §3).
  chat.edits.onDelete((messageId) => uploads.removeForMessage(messageId));
  const sweepFailed = throttledErrorLog((err, what) => logger.error({ err }, what));
  uploads.startSweeper((err) => sweepFailed(err, "upload sweep failed"));
  const retention = new Retention(
    new RetentionRepo(store),
    new JobLeasesRepo(store),
    {
      removeUploads: (ids) => uploads.removeBytesOf(ids),
      onError: sweepFailed,
      onRound: (round) =>
        logger.info(
          {
            node: nodeId,
            due_at: round.dueAt,
            next_run_at: round.nextRunAt,
            cutoff: new Date(round.cutoff).toISOString(),
            deleted: round.deleted,
          },
          "retention round",
        ),
    },
    { nodeId, ...config.retention },
  );
  const tokens = new TokenService({ secret: config.jwtSecret, ...config.jwt });
  const webhooks = await startWebhooks(
    store,
    config.webhooks,
    logger,
    throttledErrorLog((err, what) => logger.error({ err }, what)),
  );
  const push = await startPush(
    store,
    config.push,
    logger,
    throttledErrorLog((err, what) => logger.error({ err }, what)),
  );
  const pushSubscriptions = new PushSubscriptions(push.subscriptions, {
    vapidPublicKey: push.vapid.publicKey,
    maxPerUser: config.push.maxSubscriptionsPerUser,
    perHour: config.push.subscriptionsPerHour,
    allowPrivateEndpoints: config.push.allowPrivateEndpoints,
  });
  const apiKeys = new ApiKeys(new ApiKeysRepo(store), config.adminApiKey, (err) =>
    logger.warn({ err }, "could not record an API key's last use"),
  );
  const audit = new AuditLog(new AuditRepo(store));
  // Export and erasure of a user's data (contract §1). An erased user's uploads go with the
  // account, bytes included.
  const userDataRepo = new UserDataRepo(store);
  const userData = new UserData(
    userDataRepo,
    chat.admin,
    chat.conversations,
    chat.directory,
    adminAccountEnd(chat.adminUsersRepo, chat.accountStatus, userDataRepo),
  );
  userData.addSection({ erase: (userId) => uploads.removeForUploader(userId) });
  // Blocks either way and the user's mutes (contract §3) are theirs to export and end.
  userData.addSection({
    async export(userId, parts) {
      parts.blocks = (await chat.blocks.list(userId)).map((b) => ({ user_id: b.user_id, created_at: b.created_at }));
    },
    async erase(userId) {
      await chat.blocks.removeAllOf(userId);
      await chat.mutes.removeAllOf(userId);
    },
  });
  // Their push subscriptions: endpoints in the export (never the keys); gone with the account.
  userData.addSection({
    async export(userId, parts) {
      parts.push_subscriptions = await pushSubscriptions.exportOf(userId);
    },
    erase: (userId) => pushSubscriptions.removeAllOf(userId),
  });
  // Reports they made; their words copied into reports about them are blanked (contract §5).
  userData.addSection({
    async export(userId, parts) {
      parts.reports = await chat.reports.madeBy(userId);
    },
    erase: (userId) => chat.reports.eraseUser(userId),
  });

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Our own hook writes one line per request, with tokens redacted.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    // A request that never finishes arriving (a slow or abandoned POST) is cut, so it cannot
    // hold a connection for good; 0 turns that off. Node checks every second.
    requestTimeout: config.http.requestTimeoutMs,
    http: {
      headersTimeout:
        config.http.requestTimeoutMs > 0 ? Math.min(config.http.requestTimeoutMs, HEADERS_TIMEOUT_MS) : HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: 1000,
    },
    // A hop count as Fastify's types take it: trust the nearest `n` proxies.
    trustProxy:
      typeof config.trustProxy === "number"
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(config.trustProxy)
        : config.trustProxy,
  }).withTypeProvider<TypeBoxTypeProvider>();
  const openSockets = new OpenSockets(app.server);
  const refused = throttledErrorLog((_err, what) => logger.warn(what));
  limitConnectionsPerAddress(app.server, config.http.connectionsPerIp, () =>
    refused(undefined, "refused a connection from an address over MAX_HTTP_CONNECTIONS_PER_IP"),
  );
  app.decorateRequest("userId", 0);
  app.decorateRequest("tokenExpiresAt", 0);
  app.decorateRequest("adminKey", "");
  installValidation(app);
  installErrorHandling(app);
  await installCors(app, config.allowedOrigins);
  installRequestLog(app);
  installSecurityHeaders(app);
  await installOpenApi(app, SERVER_VERSION);

  const gateway = new Gateway(chat, broker, config.ws, logger, config.limits);
  // Registers this node, and takes offline the users of nodes that stopped (a crash of this
  // one included) once their heartbeat is old enough.
  await chat.presence.start(() => gateway.registry.userIds());
  logger.info({ node: nodeId, cluster: config.redisUrl ? "redis" : "none" }, "node started");
  await retention.start();
  // A deactivated, banned or erased user's sockets close with 4003 (on every node: the notice).
  chat.accountStatus.onDisabled((userId) => gateway.closeUser(userId, CLOSE.ACCOUNT_DISABLED, "account disabled"));
  const authenticate = authenticator(tokens, chat.directory, chat.accountStatus);
  const guard = requireUser(authenticate);
  await registerWebSocketRoute(app, { gateway, authenticate, config, accountStatus: chat.accountStatus });
  healthRoutes(app, { readiness: chat.readiness });
  metricsRoutes(app);
  const unwatch = watchGateway({ connections: () => gateway.registry.size, users: () => gateway.registry.userCount });
  const limits = await authLimits(app, {
    perMinutePerIp: config.limits.authPerMinutePerIp,
    perMinutePerUsername: config.limits.authPerMinutePerUsername,
    redisUrl: config.redisUrl,
  });
  authRoutes(app, { accounts: new Accounts(chat.users, tokens, chat.accountStatus), guard, limits });
  messagesHistoryRoutes(app, { history: chat.history, guard });
  usersStatusRoutes(app, { presence: chat.presence, guard });
  conversationsRoutes(app, { chat, guard });
  messagesRoutes(app, { chat, guard });
  reactionsRoutes(app, { chat, guard });
  searchRoutes(app, { chat, guard });
  pinsRoutes(app, { chat, guard });
  blocksRoutes(app, { chat, guard });
  reportsRoutes(app, { chat, guard });
  pushRoutes(app, { subscriptions: pushSubscriptions, guard });
  await uploadsRoutes(app, { uploads, authenticate });
  const adminUsers = new AdminUsers(chat.adminUsersRepo, chat.accountStatus, tokens);
  await adminRoutes(app, {
    chat,
    apiKeys,
    audit,
    tokens,
    adminUsers,
    webhooks: webhooks.endpoints,
    userData,
    retention,
  });
  await webUiRoutes(app);

  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    store,
    broker,
    chat,
    uploads,
    webhooks,
    push,
    pushSubscriptions,
    retention,
    gateway,
    tokens,
    apiKeys,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      return typeof address === "object" && address ? address.port : config.port;
    },
    close() {
      closing ??= (async () => {
        await gateway.shutdown(CLOSE.RESTART);
        unwatch();
        // In-flight requests get a few seconds; a connection stuck after that is cut.
        await openSockets.closeWithin(HTTP_CLOSE_GRACE_MS, () => app.close());
        await chat.drain();
        await webhooks.close();
        await push.close();
        await retention.stop();
        await uploads.stop();
        files.close();
        await chat.presence.leave().catch((err) => logger.error({ err }, "could not mark this node's users offline"));
        await broker.close();
        // A hung database must not hold the process: the pool gets a few seconds to close.
        await Promise.race([store.destroy(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
      })();
      return closing;
    },
  };
}
