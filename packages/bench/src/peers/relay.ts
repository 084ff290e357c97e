/**
 * The ceiling: a bare `ws` relay that checks the token on connect and forwards each (seed)
 * frame to the receiver's sockets. For group fan-out, a socket joins the rooms named in
 * `?rooms=1,2` and a `{"conversation_id","content"}` frame goes to every socket in that room,
 * serialized once. It stores nothing and checks nothing else.
 */
import type { WebSocket } from "ws";
import { servePeer } from "./common.js";

const rooms = new Map<number, Set<WebSocket>>();
let nextId = 0;

const sockets = servePeer("relay", {
  onConnect(ws, req) {
    const joined = (new URL(req.url ?? "/", "http://x").searchParams.get("rooms") ?? "").split(",").filter(Boolean).map(Number);
    for (const room of joined) {
      const members = rooms.get(room) ?? new Set();
      members.add(ws);
      rooms.set(room, members);
    }
    return () => {
      for (const room of joined) rooms.get(room)?.delete(ws);
    };
  },
  onFrame(ws, userId, frame) {
    if (typeof frame.content !== "string") return;
    const timestamp = new Date().toISOString();
    if (typeof frame.conversation_id === "number") {
      const out = JSON.stringify({
        type: "message",
        id: ++nextId,
        conversation_id: frame.conversation_id,
        sender_id: userId,
        content: frame.content,
        timestamp,
        status: "sent",
      });
      for (const s of rooms.get(frame.conversation_id) ?? []) if (s !== ws) s.send(out);
      return;
    }
    if (typeof frame.receiver_id !== "number") return;
    const out = JSON.stringify({
      type: "message",
      id: ++nextId,
      sender_id: userId,
      receiver_id: frame.receiver_id,
      content: frame.content,
      timestamp,
      status: "sent",
    });
    for (const s of sockets.get(frame.receiver_id) ?? []) s.send(out);
  },
});

process.on("SIGTERM", () => process.exit(0));
