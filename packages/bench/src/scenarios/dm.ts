import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import WebSocket from "ws";
import { closeHard } from "../close-hard.js";
import type { Target } from "../targets.js";

export interface DmOptions {
  pairs: number;
  /** Throughput mode: most messages in flight per pair. */
  window: number;
  /** Latency mode: total messages per second across all pairs (0: throughput mode). */
  rate: number;
  seconds: number;
  warmup: number;
  progress: (line: string) => void;
}

export interface DmResult {
  delivered: number;
  seconds: number;
  rate: number;
  latencyMs: { p50: number; p95: number; p99: number; p999: number; max: number };
  lost: number;
  duplicated: number;
  outOfOrder: number;
}

function open(url: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

/**
 * P sender->receiver pairs over the (seed) protocol, so it measures ChatApp, the peers and the
 * original alike. Throughput mode: each sender keeps at most `window` messages undelivered.
 * Latency mode: a fixed total rate, with latency measured from each message's intended send
 * time, so a server that falls behind shows it. Checks: lost, duplicated, out of order.
 */
export async function runDm(target: Target, options: DmOptions): Promise<DmResult> {
  const base = 5_000_000 + Math.floor(Math.random() * 1_000_000) * 10;
  options.progress(`${target.name}: connecting ${options.pairs * 2} sockets`);
  // On a cluster, each sender is on one node and its receiver on the next: every message crosses nodes.
  const urls = target.urls ?? [target.url];
  const urlOf = (i: number) => urls[i % urls.length] as string;
  const receivers = await Promise.all(
    Array.from({ length: options.pairs }, async (_, i) => open(urlOf(i + 1), await target.token(base + 2 * i + 1))),
  );
  const senders = await Promise.all(
    Array.from({ length: options.pairs }, async (_, i) => open(urlOf(i), await target.token(base + 2 * i))),
  );

  const histogram: RecordableHistogram = createHistogram();
  const sent = new Array<number>(options.pairs).fill(0);
  const received = new Array<number>(options.pairs).fill(0);
  const lastSeen = new Array<number>(options.pairs).fill(-1);
  const intended: number[][] = Array.from({ length: options.pairs }, () => []);
  const seen: Set<number>[] = Array.from({ length: options.pairs }, () => new Set());
  let measuring = false;
  let stopped = false;
  let delivered = 0;
  let duplicated = 0;
  let outOfOrder = 0;

  const send = (i: number, at: number) => {
    const n = sent[i] as number;
    sent[i] = n + 1;
    (intended[i] as number[])[n] = at;
    (senders[i] as WebSocket).send(`{"receiver_id":${base + 2 * i + 1},"content":"${i}:${n}"}`);
  };

  receivers.forEach((ws, i) => {
    ws.on("message", (data) => {
      const text = data.toString();
      if (!text.includes('"type":"message"')) return;
      const m = /"content":"(\d+):(\d+)"/.exec(text);
      if (!m || Number(m[1]) !== i) return;
      const n = Number(m[2]);
      const pairSeen = seen[i] as Set<number>;
      if (pairSeen.has(n)) {
        duplicated++;
        return;
      }
      pairSeen.add(n);
      if (n < (lastSeen[i] as number)) outOfOrder++;
      lastSeen[i] = Math.max(lastSeen[i] as number, n);
      received[i] = (received[i] as number) + 1;
      if (measuring) {
        delivered++;
        const micros = Math.max(1, Math.round((performance.now() - ((intended[i] as number[])[n] as number)) * 1000));
        histogram.record(micros);
      }
      if (options.rate === 0 && !stopped && (sent[i] as number) - (received[i] as number) < options.window)
        send(i, performance.now());
    });
  });

  let pacer: NodeJS.Timeout | undefined;
  if (options.rate === 0) {
    for (let i = 0; i < options.pairs; i++) for (let k = 0; k < options.window; k++) send(i, performance.now());
  } else {
    // Each message has an intended time; whatever is due is sent, late or not.
    const interval = (1000 * options.pairs) / options.rate;
    const start = performance.now();
    pacer = setInterval(() => {
      const now = performance.now();
      for (let i = 0; i < options.pairs; i++) {
        while (!stopped) {
          const at = start + ((sent[i] as number) + i / options.pairs) * interval;
          if (at > now) break;
          send(i, at);
        }
      }
    }, 1);
  }

  options.progress(`${target.name}: warming up ${options.warmup} s`);
  await new Promise((r) => setTimeout(r, options.warmup * 1000));
  measuring = true;
  histogram.reset();
  const started = performance.now();
  for (let s = 1; s <= options.seconds; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    options.progress(`${target.name}: ${s}/${options.seconds} s, ${Math.round(delivered / s)} msg/s delivered`);
  }
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  stopped = true;
  clearInterval(pacer);
  await new Promise((r) => setTimeout(r, 2000)); // what is in flight lands
  const lost = sent.reduce((sum, n, i) => sum + n - (received[i] as number), 0);
  for (const ws of [...senders, ...receivers]) closeHard(ws);
  const ms = (p: number) => Math.round(histogram.percentile(p) / 10) / 100;
  return {
    delivered,
    seconds: elapsed,
    rate: delivered / elapsed,
    latencyMs: { p50: ms(50), p95: ms(95), p99: ms(99), p999: ms(99.9), max: Math.round(histogram.max / 10) / 100 },
    lost,
    duplicated,
    outOfOrder,
  };
}
