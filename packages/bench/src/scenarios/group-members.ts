import type { RecordableHistogram } from "node:perf_hooks";
import WebSocket from "ws";
import { closeHard } from "../close-hard.js";
import type { Target } from "../targets.js";

const httpBase = (wsUrl: string) => wsUrl.replace(/^ws/, "http").replace(/\/ws$/, "");

/** A group of members, each with an open socket; `room` is the conversation id (or the relay's room). */
export interface ConnectedGroup {
  room: number;
  ids: number[];
  tokens: string[];
  sockets: WebSocket[];
}

/**
 * `members` fresh users, every one connected. Against ChatApp the group is created through
 * the API (the first connections provision the users); against the relay the sockets join
 * a room, and the relay broadcasts without storing.
 */
export async function connectGroup(
  target: Target,
  members: number,
  chatapp: boolean,
  progress: (line: string) => void,
): Promise<ConnectedGroup> {
  const base = 40_000_000 + Math.floor(Math.random() * 100_000) * 2000;
  const ids = Array.from({ length: members }, (_, i) => base + i);
  const tokens = await Promise.all(ids.map((id) => target.token(id)));
  let room = 1;
  progress(`${target.name}: connecting ${members} members`);
  const open = (i: number, query: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${target.url}${query}`, {
        headers: { authorization: `Bearer ${tokens[i]}` },
        perMessageDeflate: false,
        localAddress: `127.0.0.${1 + (i % 4)}`,
      });
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    });
  if (chatapp) {
    // Members must exist before the group does: the first connection provisions them.
    const first = await Promise.all(ids.map((_, i) => open(i, "")));
    for (const ws of first) closeHard(ws);
    const res = await fetch(`${httpBase(target.url)}/api/conversations`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens[0]}`, "content-type": "application/json" },
      body: JSON.stringify({ kind: "group", title: "fanout", member_ids: ids.slice(1) }),
    });
    if (res.status !== 201) throw new Error(`could not create the group: ${res.status} ${await res.text()}`);
    room = ((await res.json()) as { id: number }).id;
  }
  const sockets: WebSocket[] = [];
  for (let start = 0; start < ids.length; start += 200) {
    sockets.push(
      ...(await Promise.all(ids.slice(start, start + 200).map((_, k) => open(start + k, chatapp ? "" : `?rooms=${room}`)))),
    );
  }
  return { room, ids, tokens, sockets };
}

/** Posts one message to the group over HTTP (as its first member); returns the message id. */
export async function postToGroup(target: Target, group: ConnectedGroup, content: string): Promise<number> {
  const res = await fetch(`${httpBase(target.url)}/api/conversations/${group.room}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${group.tokens[0]}`, "content-type": "application/json" },
    body: JSON.stringify({ content }),
  });
  if (res.status !== 201) throw new Error(`could not post to the group: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

/** How long a scenario runs: unmeasured warm-up seconds, then measured seconds. */
export interface MeasureWindow {
  warmup: number;
  seconds: number;
  progress: (line: string) => void;
}

/** What the shared wait drives in a running scenario. */
export interface DeliveryCounter {
  /** Counting on (after the warm-up) or off (the clock stopped: nothing new is started either). */
  measuring(on: boolean): void;
  /** Deliveries counted so far while measuring. */
  deliveries(): number;
}

/** Time left, after the clock stops, for the deliveries under way to arrive (the rest are lost). */
const GRACE_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits while a scenario's deliveries flow: the warm-up, then the measured seconds (a progress
 * line each second), then the grace period. Returns the measured time in seconds.
 */
export async function measureDeliveries(name: string, window: MeasureWindow, counter: DeliveryCounter): Promise<number> {
  await sleep(window.warmup * 1000);
  counter.measuring(true);
  const started = performance.now();
  for (let s = 1; s <= window.seconds; s++) {
    await sleep(1000);
    window.progress(`${name}: ${s}/${window.seconds} s, ${Math.round(counter.deliveries() / s)} deliveries/s`);
  }
  counter.measuring(false);
  const elapsed = (performance.now() - started) / 1000;
  await sleep(GRACE_MS);
  return elapsed;
}

/** Latencies recorded in microseconds, reported in milliseconds (two decimals). */
export function latencyMs(histogram: RecordableHistogram): { p50: number; p99: number; max: number } {
  const ms = (v: number) => Math.round(v / 10) / 100;
  return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
}
