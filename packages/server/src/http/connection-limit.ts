import type { Server } from "node:http";
import type { Socket } from "node:net";

const RELEASE = Symbol("release connection place");
type Counted = Socket & { [RELEASE]?: () => void };

/**
 * At most `limit` open plain-HTTP connections per client address (the TCP peer: behind a
 * proxy, the proxy). One over is closed at once, before a byte is read, so a flood of idle or
 * half-sent requests from one address cannot take every file descriptor. A connection that
 * is upgraded to a WebSocket gives its place back: sockets have their own per-address limit
 * (MAX_CONNECTIONS_PER_IP, in the gateway) and must not crowd out the API calls of the same
 * clients. 0 turns it off.
 */
export function limitConnectionsPerAddress(server: Server, limit: number, onRefused: () => void): void {
  if (limit <= 0) return;
  const open = new Map<string, number>();
  server.on("connection", (socket: Counted) => {
    const address = socket.remoteAddress ?? "";
    const count = open.get(address) ?? 0;
    if (count >= limit) {
      socket.destroy();
      onRefused();
      return;
    }
    open.set(address, count + 1);
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    };
    socket[RELEASE] = release;
    socket.once("close", release);
  });
  server.on("upgrade", (_request, socket: Counted) => socket[RELEASE]?.());
}
