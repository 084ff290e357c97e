import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from "fastify";
import { Redis } from "ioredis";

export interface AuthLimits {
  /** Per client address, for login and registration: every attempt counts. */
  perAddress: preHandlerHookHandler[];
  /**
   * Per username, for login: only failed attempts count, so nobody can lock a user out by
   * trying their name, and guessing one account from many addresses is slowed all the same.
   * `blocked` answers 429 when the name is over the limit; `failed` counts a failure.
   */
  blocked(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
  failed(request: FastifyRequest): Promise<void>;
}

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

  // Login bodies are parsed by the time the handler asks, so the key is read from them.
  const perName =
    options.perMinutePerUsername > 0
      ? app.createRateLimit({
          max: options.perMinutePerUsername,
          timeWindow: 60_000,
          keyGenerator: (r) =>
            `user:${String((r.body as { username?: unknown } | undefined)?.username ?? "")
              .trim()
              .toLowerCase()}`,
        })
      : undefined;
  return {
    perAddress,
    async blocked(request, reply) {
      if (!perName) return false;
      const result = await perName(request, { increment: false });
      // "read" reports the count so far: the next failure would be one more.
      if (result.isAllowed || result.remaining > 0) return false;
      throw tooMany(reply, result.ttlInSeconds);
    },
    async failed(request) {
      if (perName) await perName(request);
    },
  };
}
