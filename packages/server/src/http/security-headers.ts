import type { FastifyInstance } from "fastify";

/**
 * The web client's policy: its own scripts, styles and sockets only, never framed. The
 * built client has no inline scripts or styles, so nothing needs 'unsafe-inline'.
 * ('self' covers the page's own ws:/wss: origin in current browsers.)
 */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // blob: for the images of sent files, which the web client fetches with the Authorization
  // header and shows as object URLs (a token in <img src> would leak wherever URLs go).
  // Only the page's own scripts can make blob: URLs, so this lets in nothing from elsewhere.
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Everything else (JSON, files) loads nothing and is never framed. */
const OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * Security headers on every HTTP response. /docs (swagger-ui) sets its own policy, with the
 * hashes of its inline parts.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook("onSend", async (request, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    reply.header("x-frame-options", "DENY");
    reply.header("cross-origin-opener-policy", "same-origin");
    if (!request.url.startsWith("/docs") && !reply.hasHeader("content-security-policy")) {
      const type = String(reply.getHeader("content-type") ?? "");
      reply.header("content-security-policy", type.startsWith("text/html") ? PAGE_POLICY : OTHER_POLICY);
    }
    return payload;
  });
}
