import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from "fastify";
import { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

export interface AuthLimits {
  /** Per client address, for login and registration: every attempt counts. */
  perAddress: preHandlerHookHandler[];
  /**
   * Per username, for login. An attempt is reserved before its password is checked (atomic,
   * in memory or in Redis), so a burst of concurrent guesses cannot all slip in before the
   * first failure is counted: over the limit, 429 without running argon2. A login that
   * succeeds gives its reservation back: only failures stay counted, so nobody can lock a
   * user out by trying their name more than a failure would. Resolves with that give-back.
   */
  reserveLogin(request: FastifyRequest, reply: FastifyReply): Promise<() => Promise<void>>;
}

const nothing = async () => {};

/**
 * Login and registration attempts: over the limits, 429 `rate_limited` with Retry-After. In
 * a cluster the counters live in Redis, so the limits hold across nodes; they fail open if
 * Redis is away.
 */
export async function authLimits(
  app: FastifyInstance,
  options: { perMinutePerIp: number; perMinutePerUsername: number; redisUrl: string | undefined },
): Promise<AuthLimits> {
  const redis = options.redisUrl
    ? new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  redis?.on("error", () => {});
  if (redis) app.addHook("onClose", async () => void (await redis.quit().catch(() => redis.disconnect())));
  await app.register(rateLimit, {
    global: false,
    ...(redis ? { redis, nameSpace: "chatapp:auth-limit:", skipOnError: true } : {}),
  });
  const tooMany = (reply: FastifyReply, ttlInSeconds: number) => {
    const seconds = Math.max(1, ttlInSeconds);
    reply.header("retry-after", String(seconds));
    return Object.assign(new Error(`too many attempts: retry in ${seconds} s`), { statusCode: 429 });
  };

  const perAddress: preHandlerHookHandler[] = [];
  if (options.perMinutePerIp > 0) {
    const check = app.createRateLimit({ max: options.perMinutePerIp, timeWindow: 60_000, keyGenerator: (r) => `ip:${r.ip}` });
    perAddress.push(async (request, reply) => {
      const result = await check(request);
      // isAllowed is true only for an allow list; the count decides otherwise.
      if (!result.isAllowed && result.isExceeded) throw tooMany(reply, result.ttlInSeconds);
    });
  }

  // @fastify/rate-limit cannot give an attempt back, so the per-name count is kept by
  // rate-limiter-flexible (consume / reward, a Lua script in Redis).
  const perName: RateLimiterAbstract | undefined =
    options.perMinutePerUsername <= 0
      ? undefined
      : redis
        ? new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: "chatapp:login-name",
            points: options.perMinutePerUsername,
            duration: 60,
            rejectIfRedisNotReady: true,
          })
        : new RateLimiterMemory({ points: options.perMinutePerUsername, duration: 60 });
  return {
    perAddress,
    async reserveLogin(request, reply) {
      if (!perName) return nothing;
      // Login bodies are parsed by the time the handler asks, so the key is read from them.
      const name = String((request.body as { username?: unknown } | undefined)?.username ?? "")
        .trim()
        .toLowerCase();
      try {
        await perName.consume(name);
      } catch (err) {
        if (err instanceof RateLimiterRes) throw tooMany(reply, Math.ceil(err.msBeforeNext / 1000));
        return nothing; // Redis away: fail open, as the per-address limit does.
      }
      return async () => {
        await perName.reward(name).catch(() => {});
      };
    },
  };
}
