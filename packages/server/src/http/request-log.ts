import type { FastifyInstance } from "fastify";

/**
 * The URL with `token` query values hidden: tokens never reach the logs. The query is
 * decoded first, as the server decodes it, so `?%74oken=` is caught too.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  if (![...params.keys()].some((k) => k.toLowerCase() === "token")) return url;
  const kept = [...params].map(
    ([key, value]) => `${encodeURIComponent(key)}=${key.toLowerCase() === "token" ? "[redacted]" : encodeURIComponent(value)}`,
  );
  return `${url.slice(0, q)}?${kept.join("&")}`;
}

/** One line per request, written when the response is done. */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        userId: request.userId || undefined,
        // The name of the admin API key used (never the key).
        adminKey: request.adminKey || undefined,
        ip: request.ip,
      },
      "request",
    );
  });
}
