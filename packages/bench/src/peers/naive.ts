/**
 * What most people write first: `ws` + `mysql2`, awaiting one INSERT per message before
 * delivering it, as the original ChatApp did.
 */
import { createPool } from "mysql2/promise";
import { servePeer } from "./common.js";

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

const sockets = servePeer("naive", {
  async onFrame(_ws, userId, frame) {
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
  },
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
