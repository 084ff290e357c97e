/**
 * What most people write first: `ws` + `mysql2`, awaiting one INSERT per message before
 * delivering it, as the original ChatApp did.
 */
import { createServer } from "node:http";
import { createPool } from "mysql2/promise";
import { type WebSocket, WebSocketServer } from "ws";
import { peerOptions, userFromRequest } from "./common.js";

const { port, key } = peerOptions();
const url = new URL(process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/chatapp_bench_naive");
const database = url.pathname.slice(1);
const admin = await createPool({
  host: url.hostname,
  port: Number(url.port || 3306),
  user: url.username || "root",
  password: url.password,
});
await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
await admin.end();
const pool = createPool({
  host: url.hostname,
  port: Number(url.port || 3306),
  user: url.username || "root",
  password: url.password,
  database,
  connectionLimit: 10,
});
await pool.query(`CREATE TABLE IF NOT EXISTS messages (
  id BIGINT AUTO_INCREMENT PRIMARY KEY, sender_id BIGINT NOT NULL, receiver_id BIGINT NOT NULL,
  content TEXT NOT NULL, created_at DATETIME(3) NOT NULL, status VARCHAR(16) NOT NULL) ENGINE=InnoDB`);

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
    ws.on("close", () => set.delete(ws));
    ws.on("message", async (data) => {
      let frame: { receiver_id?: number; content?: string };
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (typeof frame.receiver_id !== "number" || typeof frame.content !== "string") return;
      const now = new Date();
      const [result] = await pool.execute(
        "INSERT INTO messages (sender_id, receiver_id, content, created_at, status) VALUES (?, ?, ?, ?, 'sent')",
        [userId, frame.receiver_id, frame.content, now],
      );
      const out = JSON.stringify({
        type: "message",
        id: (result as { insertId: number }).insertId,
        sender_id: userId,
        receiver_id: frame.receiver_id,
        content: frame.content,
        timestamp: now.toISOString(),
        status: "sent",
      });
      for (const s of sockets.get(frame.receiver_id) ?? []) s.send(out);
    });
  });
});

server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  console.log(`naive listening on ${typeof address === "object" && address ? address.port : port}`);
});
process.on("SIGTERM", async () => {
  const drop = await createPool({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: url.username || "root",
    password: url.password,
  });
  await drop.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await drop.end();
  process.exit(0);
});
