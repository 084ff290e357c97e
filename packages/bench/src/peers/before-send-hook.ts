/**
 * A before-send hook for the `before-send` scenario: answers every POST with
 * `{"action":"allow"}` 1 ms after the request arrived (a hook that checks a little and
 * says yes). Its own process, so its work is not the load generator's. It does not verify
 * signatures: the server's signing cost is measured, the receiver's is not.
 */
import { createServer } from "node:http";

const DELAY_MS = Number(process.env.HOOK_DELAY_MS ?? 1);
const answer = Buffer.from('{"action":"allow"}');

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    setTimeout(() => {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": answer.length });
      res.end(answer);
    }, DELAY_MS);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address !== "string") process.stdout.write(`before-send hook listening on ${address.port}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
