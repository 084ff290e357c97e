// A before-send hook for ChatApp written with Fastify: it verifies each call with the
// standardwebhooks library and rejects messages (sends and edits) that contain a banned word.
//   BEFORE_SEND_SECRET=whsec_… BANNED_WORDS=spam,scam PORT=4001 node examples/integrations/before-send-hook.mjs

import { pathToFileURL } from "node:url";
import Fastify from "fastify";
import { Webhook } from "standardwebhooks";

/** @typedef {{ type: string, timestamp: string, data: { conversation_id: number, sender_id: number, content: string,
 *   receiver_id?: number, client_id?: string, message_id?: number } }} BeforeSendCall */

/**
 * The first banned word in `content`, or undefined. Words are compared after NFKC and lower
 * case, so "SPAM", "Spam!" and a full-width "ｓｐａｍ" are all "spam".
 * @param {string} content @param {Set<string>} banned
 */
export function findBannedWord(content, banned) {
  return content
    .normalize("NFKC")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .find((word) => banned.has(word));
}

/** @param {{ secret: string, bannedWords: string[], port?: number, host?: string, logger?: boolean }} options */
export async function startBeforeSendHook({ secret, bannedWords, port = 4001, host = "127.0.0.1", logger = false }) {
  const webhook = new Webhook(secret);
  const banned = new Set(bannedWords.map((word) => word.normalize("NFKC").toLowerCase()));

  const app = Fastify({ logger, bodyLimit: 1024 * 1024 });
  // The signature covers the bytes that arrived: keep them for verification.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  app.post("/chatapp/before-send", async (request, reply) => {
    /** @type {BeforeSendCall} */
    let call;
    try {
      call = /** @type {BeforeSendCall} */ (
        webhook.verify(/** @type {Buffer} */ (request.body), {
          "webhook-id": String(request.headers["webhook-id"] ?? ""),
          "webhook-timestamp": String(request.headers["webhook-timestamp"] ?? ""),
          "webhook-signature": String(request.headers["webhook-signature"] ?? ""),
        })
      );
    } catch {
      // ChatApp takes a non-2xx answer as a failure of the hook: BEFORE_SEND_FAILURE decides.
      return reply.code(401).send({ error: "invalid signature" });
    }
    if (call.type !== "message.before_send") return reply.code(400).send({ error: `unexpected type ${call.type}` });
    // Answer quickly: the sender waits for this answer, and past BEFORE_SEND_TIMEOUT_MS
    // (2000 by default) ChatApp stops waiting and applies BEFORE_SEND_FAILURE.
    const word = findBannedWord(call.data.content, banned);
    if (word !== undefined) return { action: "reject", reason: `"${word}" is not allowed here` };
    return { action: "allow" };
  });

  await app.listen({ port, host });
  return app;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env.BEFORE_SEND_SECRET ?? process.env.WEBHOOK_SECRET;
  if (!secret) {
    console.error("set BEFORE_SEND_SECRET (or WEBHOOK_SECRET): the whsec_… secret ChatApp signs with");
    process.exit(2);
  }
  await startBeforeSendHook({
    secret,
    bannedWords: (process.env.BANNED_WORDS ?? "spam")
      .split(",")
      .map((word) => word.trim())
      .filter(Boolean),
    port: Number(process.env.PORT ?? 4001),
    host: process.env.HOST ?? "127.0.0.1",
    logger: true,
  });
}
