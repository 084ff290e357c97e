import { createHistogram } from "node:perf_hooks";
import type WebSocket from "ws";
import { closeHard } from "../close-hard.js";
import type { Target } from "../targets.js";
import { connectGroup, latencyMs, measureDeliveries } from "./group-members.js";

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
  let completeAtStart = 0;
  let messages = 0;
  const elapsed = await measureDeliveries(target.name, options, {
    measuring(on) {
      measuring = on;
      if (on) {
        completeAtStart = complete;
      } else {
        stopped = true;
        messages = complete - completeAtStart;
      }
    },
    deliveries: () => deliveries,
  });
  const lost = remaining.reduce((sum, r) => sum + (r ?? 0), 0);
  for (const ws of sockets) closeHard(ws);
  return {
    members: options.members,
    messagesPerSecond: messages / elapsed,
    deliveriesPerSecond: deliveries / elapsed,
    lastMemberMs: latencyMs(histogram),
    lost,
  };
}
