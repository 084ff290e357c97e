import { ChatClient } from "@chatapp/client";
import type { Target } from "../targets.js";

export interface StormOptions {
  clients: number;
  progress: (line: string) => void;
}

export interface StormResult {
  clients: number;
  connectSeconds: number;
  backSeconds: number;
  reconnects: number;
}

/**
 * N SDK clients connected, then every socket dropped at once (as a network failure would):
 * the time until all are open again with their resume done. ChatApp only: the peers have no
 * resume to wait for.
 */
export async function runReconnectStorm(target: Target, options: StormOptions): Promise<StormResult> {
  const base = 60_000_000 + Math.floor(Math.random() * 100_000) * 1000;
  const clients = Array.from(
    { length: options.clients },
    (_, i) =>
      new ChatClient({
        url: target.url,
        token: () => target.token(base + i),
        backoff: { initialMs: 100, maxMs: 3000 },
      }),
  );
  let reconnects = 0;
  for (const c of clients) c.on("state", (s) => s === "reconnecting" && reconnects++);
  options.progress(`${target.name}: connecting ${options.clients} SDK clients`);
  const connectStart = performance.now();
  for (let start = 0; start < clients.length; start += 200) {
    await Promise.all(clients.slice(start, start + 200).map((c) => c.connect()));
  }
  const connectSeconds = (performance.now() - connectStart) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  options.progress(`${target.name}: dropping all ${options.clients} connections at once`);
  const dropped = performance.now();
  for (const c of clients) c.disconnectAbruptly();
  await new Promise((r) => setTimeout(r, 50));
  for (;;) {
    const open = clients.filter((c) => c.state === "open").length;
    if (open === clients.length) break;
    if (performance.now() - dropped > 120_000) throw new Error(`only ${open} of ${clients.length} came back within 120 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const backSeconds = (performance.now() - dropped) / 1000;
  for (const c of clients) c.close();
  return { clients: options.clients, connectSeconds, backSeconds, reconnects };
}
