import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from "fastify";
import { Redis } from "ioredis";

/**
 * Login and registration attempts, limited per client address and per username (a guessing
 * run against one account from many addresses is slowed as much as one from a single
 * address). Over the limit: 429 `rate_limited` with Retry-After. In a cluster the counters
 * live in Redis, so the limit holds across nodes; they fail open if Redis is away.
 */
export async function authLimits(
  app: FastifyInstance,
  options: { perMinutePerIp: number; perMinutePerUsername: number; redisUrl: string | undefined },
): Promise<preHandlerHookHandler[]> {
  const redis = options.redisUrl
    ? new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  redis?.on("error", () => {});
  if (redis) app.addHook("onClose", async () => void (await redis.quit().catch(() => redis.disconnect())));
  await app.register(rateLimit, {
    global: false,
    ...(redis ? { redis, nameSpace: "chatapp:auth-limit:", skipOnError: true } : {}),
  });
  // The plugin runs one of its own handlers per request, so the second limit (per
  // username) is checked with createRateLimit and answered here.
  const limits: preHandlerHookHandler[] = [];
  const checks = [
    { max: options.perMinutePerIp, key: (r: FastifyRequest) => `ip:${r.ip}` },
    {
      max: options.perMinutePerUsername,
      key: (r: FastifyRequest) =>
        `user:${String((r.body as { username?: unknown } | undefined)?.username ?? "")
          .trim()
          .toLowerCase()}`,
    },
  ];
  for (const { max, key } of checks) {
    if (max <= 0) continue;
    const check = app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: key });
    limits.push(async (request, reply) => {
      const result = await check(request);
      // isAllowed is true only for an allow list; the count decides otherwise.
      if (result.isAllowed || !result.isExceeded) return;
      const seconds = Math.max(1, result.ttlInSeconds);
      reply.header("retry-after", String(seconds));
      throw Object.assign(new Error(`too many attempts: retry in ${seconds} s`), { statusCode: 429 });
    });
  }
  return limits;
}
