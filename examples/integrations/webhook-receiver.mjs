// A webhook receiver for ChatApp written with Fastify: it verifies each request with the
// standardwebhooks library on the exact bytes received, answers 2xx at once, skips
// duplicates by webhook-id and handles events one at a time, in the order they came.
//   WEBHOOK_SECRET=whsec_… PORT=4000 node examples/integrations/webhook-receiver.mjs

import { pathToFileURL } from "node:url";
import Fastify from "fastify";
import { Webhook } from "standardwebhooks";

/** @typedef {{ type: string, timestamp: string, data: any }} ChatEvent */

/** How many events may wait for `handle` before the receiver answers 503 (ChatApp retries). */
const MAX_QUEUED = 10_000;
/** How many webhook-ids are remembered for deduplication (a real app keeps them in its database). */
const MAX_REMEMBERED_IDS = 100_000;

/**
 * @param {{ secret: string, handle: (event: ChatEvent, id: string) => void | Promise<void>,
 *   port?: number, host?: string, logger?: boolean }} options
 */
export async function startWebhookReceiver({ secret, handle, port = 4000, host = "127.0.0.1", logger = false }) {
  const webhook = new Webhook(secret);
  /** @type {Set<string>} webhook-ids already taken in, oldest first */
  const seen = new Set();
  let queued = 0;
  let tail = Promise.resolve();

  const app = Fastify({ logger, bodyLimit: 1024 * 1024 });
  // Keep JSON bodies as the bytes that arrived: the signature covers those bytes, and a body
  // parsed and serialized again is not guaranteed to be the same bytes.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  app.post("/chatapp/webhooks", async (request, reply) => {
    const id = String(request.headers["webhook-id"] ?? "");
    /** @type {ChatEvent} */
    let event;
    try {
      event = /** @type {ChatEvent} */ (
        webhook.verify(/** @type {Buffer} */ (request.body), {
          "webhook-id": id,
          "webhook-timestamp": String(request.headers["webhook-timestamp"] ?? ""),
          "webhook-signature": String(request.headers["webhook-signature"] ?? ""),
        })
      );
    } catch {
      // A bad signature, or a timestamp more than 5 minutes away (a replay): not from ChatApp.
      return reply.code(401).send({ error: "invalid signature" });
    }
    // A retry of an event already taken in (ChatApp delivers at least once): acknowledge it again.
    if (seen.has(id)) return reply.code(204).send();
    if (queued >= MAX_QUEUED) return reply.code(503).send({ error: "busy, retry later" });
    seen.add(id);
    if (seen.size > MAX_REMEMBERED_IDS) seen.delete(/** @type {string} */ (seen.values().next().value));
    // Answer now and work afterwards: ChatApp waits up to 10 s for the answer, and holds back
    // the conversation's next event until then. One chain keeps the events in arrival order.
    queued++;
    tail = tail
      .then(() => handle(event, id))
      .catch((err) => request.log.error({ err, id }, "webhook handler failed"))
      .finally(() => queued--);
    return reply.code(204).send();
  });

  await app.listen({ port, host });
  return app;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret) {
    console.error("set WEBHOOK_SECRET (the whsec_… secret ChatApp signs with)");
    process.exit(2);
  }
  await startWebhookReceiver({
    secret,
    port: Number(process.env.PORT ?? 4000),
    host: process.env.HOST ?? "127.0.0.1",
    logger: true,
    handle: (event, id) => {
      if (event.type === "message.created") console.log(`${id}: #${event.data.conversation_id} ${event.data.content}`);
      else console.log(`${id}: ${event.type} ${JSON.stringify(event.data)}`);
    },
  });
}
