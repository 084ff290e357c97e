import { createHistogram } from "node:perf_hooks";
import type WebSocket from "ws";
import { closeHard } from "../close-hard.js";
import type { Target } from "../targets.js";
import { connectGroup } from "./group-members.js";

export interface FanoutOptions {
  members: number;
  /** Most messages not yet delivered to every member. */
  window: number;
  seconds: number;
  warmup: number;
  progress: (line: string) => void;
}

export interface FanoutResult {
  members: number;
  messagesPerSecond: number;
  deliveriesPerSecond: number;
  lastMemberMs: { p50: number; p99: number; max: number };
  lost: number;
}

/**
 * One group of `members`, every member connected, one of them sending with at most `window`
 * messages not yet delivered to all the others: deliveries per second, and the latency to the
 * last member (see connectGroup for how the group is made on each target).
 */
export async function runGroupFanout(target: Target, options: FanoutOptions, chatapp: boolean): Promise<FanoutResult> {
  const { room, sockets } = await connectGroup(target, options.members, chatapp, options.progress);
  const sender = sockets[0] as WebSocket;
  const receivers = sockets.slice(1);

  const histogram = createHistogram();
  const sentAt: number[] = [];
  const remaining: number[] = [];
  let sent = 0;
  let complete = 0;
  let deliveries = 0;
  let measuring = false;
  let stopped = false;
  const send = () => {
    sentAt[sent] = performance.now();
    remaining[sent] = receivers.length;
    sender.send(`{"type":"send","conversation_id":${room},"content":"${sent}"}`);
    sent++;
  };
  for (const ws of receivers) {
    ws.on("message", (data) => {
      const text = data.toString();
      if (!text.includes('"type":"message"') || text.includes('"kind":"system"')) return;
      const m = /"content":"(\d+)"/.exec(text);
      if (!m) return;
      const n = Number(m[1]);
      if (remaining[n] === undefined) return;
      if (measuring) deliveries++;
      remaining[n] = (remaining[n] as number) - 1;
      if (remaining[n] === 0) {
        complete++;
        if (measuring) histogram.record(Math.max(1, Math.round((performance.now() - (sentAt[n] as number)) * 1000)));
        if (!stopped && sent - complete < options.window) send();
      }
    });
  }
  for (let k = 0; k < options.window; k++) send();
  await new Promise((r) => setTimeout(r, options.warmup * 1000));
  measuring = true;
  const completeAtStart = complete;
  const started = performance.now();
  for (let s = 1; s <= options.seconds; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    options.progress(`${target.name}: ${s}/${options.seconds} s, ${Math.round(deliveries / s)} deliveries/s`);
  }
  measuring = false;
  stopped = true;
  const elapsed = (performance.now() - started) / 1000;
  const messages = complete - completeAtStart;
  await new Promise((r) => setTimeout(r, 2000));
  const lost = remaining.reduce((sum, r) => sum + (r ?? 0), 0);
  for (const ws of sockets) closeHard(ws);
  const ms = (v: number) => Math.round(v / 10) / 100;
  return {
    members: options.members,
    messagesPerSecond: messages / elapsed,
    deliveriesPerSecond: deliveries / elapsed,
    lastMemberMs: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) },
    lost,
  };
}
