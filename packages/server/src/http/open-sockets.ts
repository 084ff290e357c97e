import type { Server } from "node:http";
import type { Socket } from "node:net";

/**
 * The server's open TCP connections, so that shutdown can cut the ones that would hold it
 * open for good: a client half way through a request, or an upgrade request that arrived while
 * Fastify was closing (Fastify answers it with a raw 503 and never ends the socket; a browser
 * reconnecting right after a 1012 close sends exactly that). Node's close() waits for every
 * connection.
 */
export class OpenSockets {
  private readonly sockets = new Set<Socket>();

  constructor(server: Server) {
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  /** Runs `close`; connections still open `graceMs` later are destroyed so that it can finish. */
  async closeWithin<T>(graceMs: number, close: () => Promise<T>): Promise<T> {
    const timer = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, graceMs);
    try {
      return await close();
    } finally {
      clearTimeout(timer);
    }
  }
}
