import { createHistogram } from "node:perf_hooks";
import { closeHard } from "../close-hard.js";
import type { Target } from "../targets.js";
import { connectGroup, latencyMs, measureDeliveries, postToGroup } from "./group-members.js";

export interface ReactionsOptions {
  members: number;
  /** Members who react at once, each round. */
  reactors: number;
  seconds: number;
  warmup: number;
  progress: (line: string) => void;
}

export interface ReactionsResult {
  members: number;
  reactors: number;
  /** Reactions (adds and removes) delivered to every member, per second. */
  reactionsPerSecond: number;
  /** `reaction` frames received, per second, summed over the members. */
  deliveriesPerSecond: number;
  /** From a reaction's frame leaving its member to the last member receiving its `reaction`. */
  lastMemberMs: { p50: number; p99: number; max: number };
  lost: number;
}

/**
 * One group of `members`, every member connected, and one message. Each round, `reactors`
 * members react to it at once (round 1 adds, round 2 takes back, and so on), each with its
 * own emoji; the next round starts once every member has every `reaction` frame of this one.
 * Each change must cost one publish to the member list, never a frame per member per member.
 */
export async function runReactions(target: Target, options: ReactionsOptions): Promise<ReactionsResult> {
  const group = await connectGroup(target, options.members, true, options.progress);
  const messageId = await postToGroup(target, group, "react to this");
  const reactors = group.sockets.slice(0, options.reactors);
  const reactorIndex = new Map(group.ids.slice(0, options.reactors).map((id, i) => [id, i]));
  // One emoji each (U+1F600 on): a message carries at most 50 distinct emoji.
  const emoji = reactors.map((_, i) => String.fromCodePoint(0x1f600 + (i % 50)));

  const histogram = createHistogram();
  let round = 0;
  let sentAt = 0;
  const remaining: number[] = [];
  let roundLeft = 0;
  let deliveries = 0;
  let reactionsDone = 0;
  let measuring = false;
  let stopped = false;
  const startRound = () => {
    round++;
    const type = round % 2 === 1 ? "react" : "unreact";
    remaining.fill(group.sockets.length);
    roundLeft = reactors.length;
    sentAt = performance.now();
    reactors.forEach((ws, i) => {
      ws.send(JSON.stringify({ type, message_id: messageId, emoji: emoji[i] }));
    });
  };
  for (let i = 0; i < reactors.length; i++) remaining.push(0);
  for (const ws of group.sockets) {
    ws.on("message", (data) => {
      const text = data.toString();
      if (!text.startsWith('{"type":"reaction"')) return;
      // A regular expression, not JSON.parse: the bench shares the machine with the server.
      const m = /"user_id":(\d+),.*"action":"(\w+)"/.exec(text);
      const i = m ? reactorIndex.get(Number(m[1])) : undefined;
      if (i === undefined || m?.[2] !== (round % 2 === 1 ? "add" : "remove")) return;
      if (measuring) deliveries++;
      remaining[i] = (remaining[i] as number) - 1;
      if (remaining[i] !== 0) return;
      if (measuring) {
        reactionsDone++;
        histogram.record(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
      }
      roundLeft--;
      if (roundLeft === 0 && !stopped) startRound();
    });
  }
  startRound();
  // The round under way when the clock stops is given the grace period to finish.
  const elapsed = await measureDeliveries(target.name, options, {
    measuring(on) {
      measuring = on;
      if (!on) stopped = true;
    },
    deliveries: () => deliveries,
  });
  const lost = remaining.reduce((sum, r) => sum + r, 0);
  for (const ws of group.sockets) closeHard(ws);
  return {
    members: options.members,
    reactors: reactors.length,
    reactionsPerSecond: reactionsDone / elapsed,
    deliveriesPerSecond: deliveries / elapsed,
    lastMemberMs: latencyMs(histogram),
    lost,
  };
}
