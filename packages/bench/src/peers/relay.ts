/**
 * The ceiling: a bare `ws` relay that checks the token on connect and forwards each (seed)
 * frame to the receiver's sockets. For group fan-out, a socket joins the rooms named in
 * `?rooms=1,2` and a `{"conversation_id","content"}` frame goes to every socket in that room,
 * serialized once. It stores nothing and checks nothing else.
 */
import { createServer } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";
import { peerOptions, userFromRequest } from "./common.js";

const { port, key } = peerOptions();
const sockets = new Map<number, Set<WebSocket>>();
const rooms = new Map<number, Set<WebSocket>>();
let nextId = 0;
const server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

server.on("upgrade", async (req, socket, head) => {
  const userId = await userFromRequest(req, key);
  if (!userId) return void socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
  wss.handleUpgrade(req, socket, head, (ws) => {
    const set = sockets.get(userId) ?? new Set();
    set.add(ws);
    sockets.set(userId, set);
    const joined = (new URL(req.url ?? "/", "http://x").searchParams.get("rooms") ?? "").split(",").filter(Boolean).map(Number);
    for (const room of joined) {
      const members = rooms.get(room) ?? new Set();
      members.add(ws);
      rooms.set(room, members);
    }
    ws.on("close", () => {
      set.delete(ws);
      for (const room of joined) rooms.get(room)?.delete(ws);
    });
    ws.on("message", (data) => {
      let frame: { receiver_id?: number; conversation_id?: number; content?: string };
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (typeof frame.conversation_id === "number" && typeof frame.content === "string") {
        const out = JSON.stringify({
          type: "message",
          id: ++nextId,
          conversation_id: frame.conversation_id,
          sender_id: userId,
          content: frame.content,
          timestamp: new Date().toISOString(),
          status: "sent",
        });
        for (const s of rooms.get(frame.conversation_id) ?? []) if (s !== ws) s.send(out);
        return;
      }
      if (typeof frame.receiver_id !== "number" || typeof frame.content !== "string") return;
      const out = JSON.stringify({
        type: "message",
        id: ++nextId,
        sender_id: userId,
        receiver_id: frame.receiver_id,
        content: frame.content,
        timestamp: new Date().toISOString(),
        status: "sent",
      });
      for (const s of sockets.get(frame.receiver_id) ?? []) s.send(out);
    });
  });
});

server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  console.log(`relay listening on ${typeof address === "object" && address ? address.port : port}`);
});
process.on("SIGTERM", () => process.exit(0));
