import { readFileSync } from "node:fs";
import WebSocket from "ws";
import { closeHard } from "../close-hard.js";
import type { Target } from "../targets.js";

export interface ConnectionsOptions {
  count: number;
  /** Sockets being opened at once. */
  concurrency: number;
  /** Wait for ChatApp's `ready` frame (the socket is registered and its user online), not just the upgrade. */
  waitForReady: boolean;
  progress: (line: string) => void;
}

export interface ConnectionsResult {
  opened: number;
  failed: number;
  seconds: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  kibPerConnection: number;
}

/** Resident memory of a process, from /proc (KiB). */
function rssKiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : Number.NaN;
}

/**
 * N idle authenticated sockets, opened from several loopback source addresses (one address
 * has a limited range of ports): the time until all are open (and, for ChatApp, ready), and
 * the server's resident memory per connection.
 */
export async function runConnections(target: Target, options: ConnectionsOptions): Promise<ConnectionsResult> {
  const base = 20_000_000 + Math.floor(Math.random() * 1_000_000) * 100;
  options.progress(`${target.name}: signing ${options.count} tokens`);
  const tokens = await Promise.all(Array.from({ length: options.count }, (_, i) => target.token(base + i)));
  await new Promise((r) => setTimeout(r, 1000));
  const before = rssKiB(target.pid);
  const sockets: WebSocket[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const openOne = (i: number) =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(target.url, {
        headers: { authorization: `Bearer ${tokens[i]}` },
        perMessageDeflate: false,
        localAddress: `127.0.0.${1 + (i % 4)}`,
      });
      const done = (ok: boolean) => {
        if (!ok) failed++;
        resolve();
      };
      ws.once("error", () => done(false));
      if (options.waitForReady) {
        ws.on("message", function onMessage(data) {
          if (data.toString().startsWith('{"type":"ready"')) {
            ws.off("message", onMessage);
            done(true);
          }
        });
      } else {
        ws.once("open", () => done(true));
      }
      sockets.push(ws);
    });
  const worker = async () => {
    while (next < options.count) {
      const i = next++;
      await openOne(i);
      if ((i + 1) % 2000 === 0) options.progress(`${target.name}: ${i + 1}/${options.count} open`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 2000));
  const after = rssKiB(target.pid);
  const opened = options.count - failed;
  for (const ws of sockets) closeHard(ws);
  return {
    opened,
    failed,
    seconds,
    rssBeforeMiB: Math.round(before / 102.4) / 10,
    rssAfterMiB: Math.round(after / 102.4) / 10,
    kibPerConnection: Math.round(((after - before) / Math.max(1, opened)) * 10) / 10,
  };
}
