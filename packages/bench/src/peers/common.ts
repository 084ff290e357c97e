import { createServer, type IncomingMessage } from "node:http";
import { jwtVerify } from "jose";
import { type WebSocket, WebSocketServer } from "ws";

/**
 * What the peers share with ChatApp so the comparison is fair: the same (seed) frames and
 * the same HS256 token check on connect.
 */
export async function userFromRequest(req: IncomingMessage, key: Uint8Array): Promise<number | undefined> {
  const header = req.headers.authorization;
  const token = header?.startsWith("Bearer ") ? header.slice(7) : undefined;
  if (!token) return undefined;
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"] });
    const id = Number(payload.sub ?? payload.id);
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the port and secret a peer is started with. */
export function peerOptions(): { port: number; key: Uint8Array } {
  const port = Number(process.env.PORT ?? 0);
  const secret = process.env.JWT_SECRET;
  if (!secret) throw new Error("JWT_SECRET must be set");
  return { port, key: new TextEncoder().encode(secret) };
}

export type Frame = { receiver_id?: unknown; conversation_id?: unknown; content?: unknown };

/**
 * The part every peer shares: an HTTP server that upgrades sockets with a valid token, keeps
 * them by user, and hands each JSON frame to `onFrame`. `onConnect` may return a cleanup run
 * when the socket closes. Returns the user -> sockets registry.
 */
export function servePeer(
  name: string,
  handlers: {
    onConnect?: (ws: WebSocket, req: IncomingMessage) => (() => void) | undefined;
    onFrame: (ws: WebSocket, userId: number, frame: Frame) => void;
  },
): Map<number, Set<WebSocket>> {
  const { port, key } = peerOptions();
  const sockets = new Map<number, Set<WebSocket>>();
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on("upgrade", async (req, socket, head) => {
    const userId = await userFromRequest(req, key);
    if (!userId) return void socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
    wss.handleUpgrade(req, socket, head, (ws) => {
      const set = sockets.get(userId) ?? new Set();
      set.add(ws);
      sockets.set(userId, set);
      const cleanup = handlers.onConnect?.(ws, req);
      ws.on("close", () => {
        set.delete(ws);
        cleanup?.();
      });
      ws.on("message", (data) => {
        let frame: Frame;
        try {
          frame = JSON.parse(data.toString());
        } catch {
          return;
        }
        handlers.onFrame(ws, userId, frame);
      });
    });
  });
  server.listen(port, "127.0.0.1", () => {
    const address = server.address();
    console.log(`${name} listening on ${typeof address === "object" && address ? address.port : port}`);
  });
  return sockets;
}
