import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatClient, fileStorage, type StorageAdapter } from "@chatapp/client";
import WebSocket from "ws";
import { closeHard } from "../close-hard.js";
import { startTarget, type Target, type TargetName } from "../targets.js";

export interface CatchUpOptions {
  /** Messages sent while the user was away, over every conversation. */
  messages: number;
  /** The user's conversations: half direct, half groups. */
  conversations: number;
  /** Catch-ups timed, each by a new client from the same cursors. */
  rounds: number;
  progress: (line: string) => void;
}

/** One device's catch-up. */
export interface CatchUpTiming {
  /** From `connect()` to the last missed message emitted. */
  seconds: number;
  /** HTTP requests the client made meanwhile. */
  requests: number;
  /** The server process's user + system CPU time meanwhile. */
  serverCpuSeconds: number;
  /** The bench process's (the client's: it does nothing else meanwhile). */
  clientCpuSeconds: number;
}

/**
 * One absence: the user's device comes back (the server's offline backlog then carries the
 * messages over the socket too), then another device of the user comes back from the same
 * cursors (no backlog left: history only).
 */
export interface CatchUpRound {
  back: CatchUpTiming;
  other: CatchUpTiming;
  /** A third device, history only, keeping what it gets in a file store (cursors and cache, fsynced). */
  stored: CatchUpTiming;
}

export interface CatchUpResult {
  messages: number;
  conversations: number;
  /** The most messages one conversation holds (the spread is skewed, as real inboxes are). */
  largest: number;
  rounds: CatchUpRound[];
  /** Messages emitted twice, or out of seq order, or not at all, over every round. */
  errors: number;
}

/** How long one catch-up may take before the round fails. */
const ROUND_DEADLINE_MS = 120_000;
/** Sends in flight per sending socket while seeding. */
const SEND_WINDOW = 64;
/** Members of each group besides the user: senders of the scenario, so each group has several. */
const GROUP_PEERS = 3;
const httpBase = (wsUrl: string) => wsUrl.replace(/^ws/, "http").replace(/\/ws$/, "");

/**
 * A skewed spread, as a real inbox: every conversation gets one message, and the rest go to
 * conversation k in proportion to 1/(k+1) (Zipf), so a few conversations need several pages
 * and most need one.
 */
export function spread(messages: number, conversations: number): number[] {
  if (messages < conversations) throw new Error(`${messages} messages cannot cover ${conversations} conversations`);
  const weights = Array.from({ length: conversations }, (_, k) => 1 / (k + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const rest = messages - conversations;
  const counts = weights.map((w) => 1 + Math.floor((rest * w) / total));
  // What flooring left over goes to the busiest conversation, so the sum is exact.
  counts[0] = (counts[0] as number) + messages - counts.reduce((a, b) => a + b, 0);
  return counts;
}

/** The process's user + system CPU time in seconds, from /proc/<pid>/stat (Linux). */
function cpuSeconds(pid: number, ticksPerSecond: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

function clockTicks(): number {
  try {
    const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

interface Ready {
  conversations: { id: number; last_seq: number }[];
}

/** Resolves with the socket and its `ready` frame: the user exists once that came. */
function openSocket(url: string, token: string): Promise<{ ws: WebSocket; ready: Ready }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.once("message", (data) => resolve({ ws, ready: JSON.parse(String(data)) as Ready }));
    ws.once("error", reject);
  });
}

/**
 * Sends `plan` (conversation ids, in order) over one socket as typed sends, at most
 * SEND_WINDOW unacknowledged; resolves once every send is acknowledged.
 */
function sendAll(ws: WebSocket, plan: readonly number[], tag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (plan.length === 0) return resolve();
    let next = 0;
    let acked = 0;
    const timer = setTimeout(() => reject(new Error(`${tag}: ${acked} of ${plan.length} sends acknowledged in time`)), 300_000);
    const sendNext = () => {
      const conversationId = plan[next] as number;
      ws.send(
        JSON.stringify({ type: "send", conversation_id: conversationId, content: `${tag} ${next}`, client_id: `${tag}-${next}` }),
      );
      next++;
    };
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as { type: string; code?: string; message?: string };
      if (frame.type === "error") {
        clearTimeout(timer);
        reject(new Error(`${tag}: send refused: ${frame.code} ${frame.message}`));
        return;
      }
      if (frame.type !== "ack") return;
      acked++;
      if (acked === plan.length) {
        clearTimeout(timer);
        resolve();
      } else if (next < plan.length) sendNext();
    });
    for (let i = 0; i < Math.min(SEND_WINDOW, plan.length); i++) sendNext();
  });
}

/** Where the user stands: per conversation, the seq its app has, and the seq it must reach. */
interface Cursors {
  userId: number;
  from: Map<number, number>;
  to: Map<number, number>;
}

interface Setup {
  userId: number;
  peerIds: number[];
  token(id: number): string;
  /** Per sender, the conversations of its sends in one round, in order. */
  plans: Map<number, number[]>;
  /** Per conversation, the messages one round sends there. */
  counts: Map<number, number>;
  /** The seq the user's app had before its first absence. */
  start: Map<number, number>;
}

/**
 * The user's conversations (half direct, half groups of GROUP_PEERS + 1) and where its app
 * stood (each conversation's `last_seq` in a `ready` frame), and what the others will send
 * in each round while the user is away.
 */
async function setUp(target: Target, options: CatchUpOptions): Promise<Setup> {
  const directs = Math.ceil(options.conversations / 2);
  const groups = options.conversations - directs;
  const peers = Math.max(directs, GROUP_PEERS);
  const base = 70_000_000 + Math.floor(Math.random() * 100_000) * 100;
  const userId = base;
  const peerIds = Array.from({ length: peers }, (_, i) => base + 1 + i);
  const tokenOf = new Map(await Promise.all([userId, ...peerIds].map(async (id) => [id, await target.token(id)] as const)));
  const token = (id: number) => tokenOf.get(id) as string;
  options.progress(`${target.name}: provisioning ${peers + 1} users`);
  for (const id of [userId, ...peerIds]) closeHard((await openSocket(target.url, token(id))).ws);
  const api = httpBase(target.url);
  const create = async (by: number, body: unknown): Promise<number> => {
    const res = await fetch(`${api}/api/conversations`, {
      method: "POST",
      headers: { authorization: `Bearer ${token(by)}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.status !== 201 && res.status !== 200) throw new Error(`POST /api/conversations: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: number }).id;
  };
  options.progress(`${target.name}: ${directs} direct conversations and ${groups} groups`);
  // Each conversation's senders: the other member of a direct, every peer of a group in turn.
  type Planned = { id: number; senders: number[] };
  const directList: Planned[] = [];
  for (let i = 0; i < directs; i++) {
    const peer = peerIds[i] as number;
    directList.push({ id: await create(peer, { kind: "direct", user_id: userId }), senders: [peer] });
  }
  const groupList: Planned[] = [];
  for (let g = 0; g < groups; g++) {
    const members = Array.from({ length: GROUP_PEERS }, (_, k) => peerIds[(g + k) % peers] as number);
    const id = await create(members[0] as number, { kind: "group", title: `catch-up ${g}`, member_ids: [userId, ...members] });
    groupList.push({ id, senders: members });
  }
  // Directs and groups alternate, so the busiest conversations are of both kinds.
  const interleaved = directList.flatMap((d, i) => [d, groupList[i]]).filter((c): c is Planned => c !== undefined);

  // Where the user's app stands before it goes away: every conversation read up to its
  // `last_seq` in the ready frame (a group starts with its creation notice).
  const user = await openSocket(target.url, token(userId));
  closeHard(user.ws);
  const lastSeq = new Map(user.ready.conversations.map((c) => [c.id, c.last_seq]));
  const from = new Map<number, number>();
  for (const c of interleaved) {
    const seq = lastSeq.get(c.id);
    if (seq === undefined) throw new Error(`the ready frame did not list conversation ${c.id}`);
    from.set(c.id, seq);
  }

  const counts = spread(options.messages, interleaved.length);
  const plans = new Map<number, number[]>(peerIds.map((id) => [id, []]));
  interleaved.forEach((c, k) => {
    for (let n = 0; n < (counts[k] as number); n++) plans.get(c.senders[n % c.senders.length] as number)?.push(c.id);
  });
  const countOf = new Map(interleaved.map((c, k) => [c.id, counts[k] as number]));
  return { userId, peerIds, token, plans, counts: countOf, start: from };
}

/** The others send one round's messages (each sender over its own socket), then leave. */
async function sendRound(target: Target, setup: Setup, round: number, progress: (line: string) => void): Promise<void> {
  const sockets = new Map(
    await Promise.all(setup.peerIds.map(async (id) => [id, (await openSocket(target.url, setup.token(id))).ws] as const)),
  );
  try {
    let total = 0;
    for (const n of setup.counts.values()) total += n;
    progress(`${target.name}: round ${round}, sending ${total} messages while the user is away`);
    const started = performance.now();
    // Each round's client_ids are new: a repeated one would be stored once, as a resend.
    await Promise.all([...setup.plans].map(([id, plan]) => sendAll(sockets.get(id) as WebSocket, plan, `r${round}u${id}`)));
    progress(`${target.name}: sent in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    for (const ws of sockets.values()) closeHard(ws);
  }
}

/**
 * One catch-up: a new client with the saved cursors, timed from `connect()` until every
 * missed message is emitted. Each conversation must emit exactly the seqs after its cursor,
 * in order; anything else counts as an error.
 */
async function catchUp(
  target: Target,
  seeded: Cursors,
  ticks: number,
  storage?: StorageAdapter,
): Promise<{ timing: CatchUpTiming; errors: number; missing: number }> {
  let expected = 0;
  for (const [id, seq] of seeded.to) expected += seq - (seeded.from.get(id) as number);
  const next = new Map([...seeded.from].map(([id, seq]) => [id, seq + 1]));
  let emitted = 0;
  let errors = 0;
  let requests = 0;
  const counting: typeof fetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const token = await target.token(seeded.userId);
  const client = new ChatClient({
    url: target.url,
    token,
    cursors: Object.fromEntries(seeded.from),
    fetch: counting,
    ...(storage ? { storage } : {}),
  });
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  client.on("message", (m) => {
    const want = next.get(m.conversation_id);
    if (want === undefined || m.seq !== want || m.seq > (seeded.to.get(m.conversation_id) as number)) errors++;
    else next.set(m.conversation_id, want + 1);
    if (++emitted >= expected) done();
  });
  const pid = target.pid as number;
  const cpuBefore = cpuSeconds(pid, ticks);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ROUND_DEADLINE_MS);
  });
  // A client that never connects fails the round at the deadline too (its close rejects connect()).
  const connected = client.connect().then(() => all);
  connected.catch(() => {});
  try {
    await Promise.race([connected, deadline]);
  } finally {
    clearTimeout(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  const serverCpuSeconds = cpuSeconds(pid, ticks) - cpuBefore;
  // The client's CPU counts its storage's last writes (close() resolves once they are done).
  await client.close();
  await storage?.close();
  const clientCpu = process.cpuUsage(clientBefore);
  const clientCpuSeconds = (clientCpu.user + clientCpu.system) / 1e6;
  let missing = 0;
  for (const [id, seq] of seeded.to) missing += Math.max(0, seq + 1 - (next.get(id) as number));
  return { timing: { seconds, requests, serverCpuSeconds, clientCpuSeconds }, errors, missing };
}

/**
 * A user away while `messages` arrive in `conversations`: each round, a new SDK client with
 * the cursors an app saved catches up. Measured: the time from `connect()` to the last
 * message emitted, the HTTP requests it took, and the server's CPU time meanwhile.
 */
export async function runCatchUp(name: TargetName, options: CatchUpOptions): Promise<CatchUpResult> {
  options.progress(`starting ${name}`);
  const target = await startTarget(name);
  try {
    const setup = await setUp(target, options);
    const ticks = clockTicks();
    const rounds: CatchUpRound[] = [];
    let errors = 0;
    let from = setup.start;
    const dir = mkdtempSync(join(tmpdir(), "chatapp-catch-up-"));
    for (let r = 1; r <= options.rounds; r++) {
      await sendRound(target, setup, r, options.progress);
      const to = new Map([...from].map(([id, seq]) => [id, seq + (setup.counts.get(id) as number)]));
      const cursors = { userId: setup.userId, from, to };
      const timings: CatchUpTiming[] = [];
      for (const device of ["back", "other device", "file store"]) {
        const storage = device === "file store" ? fileStorage(join(dir, `round-${r}.jsonl`)) : undefined;
        const result = await catchUp(target, cursors, ticks, storage);
        errors += result.errors + result.missing;
        timings.push(result.timing);
        const t = result.timing;
        options.progress(
          `${name}: round ${r}, ${device}: ${t.seconds.toFixed(3)} s, ${t.requests} requests, server CPU ${t.serverCpuSeconds.toFixed(2)} s, client CPU ${t.clientCpuSeconds.toFixed(2)} s${result.errors ? `, ${result.errors} doubled or out of order` : ""}${result.missing ? `, ${result.missing} missing` : ""}`,
        );
      }
      rounds.push({ back: timings[0] as CatchUpTiming, other: timings[1] as CatchUpTiming, stored: timings[2] as CatchUpTiming });
      from = to;
    }
    rmSync(dir, { recursive: true, force: true });
    let largest = 0;
    for (const n of setup.counts.values()) largest = Math.max(largest, n);
    return { messages: options.messages, conversations: options.conversations, largest, rounds, errors };
  } finally {
    await target.stop();
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
};

type Device = "back" | "other" | "stored";
const DEVICES: readonly [Device, string][] = [
  ["back", "back"],
  ["other", "other device"],
  ["stored", "file store"],
];
const medianOf = (r: CatchUpResult, device: Device, pick: (t: CatchUpTiming) => number) =>
  median(r.rounds.map((x) => pick(x[device])));

/** The catch-up scenario's table: each target's median round, per device. */
export function catchUpTable(runs: readonly { target: string; result: CatchUpResult }[]): string {
  const first = runs[0]?.result;
  const lines = [
    `catch-up: ${first?.messages ?? 0} messages missed over ${first?.conversations ?? 0} conversations (largest ${first?.largest ?? 0}), ${first?.rounds.length ?? 0} rounds (medians)`,
    "target           device          seconds   msg/s   requests   server CPU s   client CPU s   errors",
  ];
  for (const { target, result: r } of runs) {
    for (const [device, label] of DEVICES) {
      const seconds = medianOf(r, device, (t) => t.seconds);
      const rate = String(Math.round(r.messages / seconds));
      const requests = String(medianOf(r, device, (t) => t.requests));
      const cpu = medianOf(r, device, (t) => t.serverCpuSeconds).toFixed(2);
      const clientCpu = medianOf(r, device, (t) => t.clientCpuSeconds).toFixed(2);
      lines.push(
        `${target.padEnd(15)}  ${label.padEnd(13)} ${seconds.toFixed(3).padStart(8)} ${rate.padStart(7)} ${requests.padStart(10)} ${cpu.padStart(14)} ${clientCpu.padStart(14)} ${String(r.errors).padStart(8)}`,
      );
    }
  }
  return lines.join("\n");
}

/** The catch-up scenario's section of docs/benchmarks.md (`when` says which run made the figures). */
export function catchUpSection(runs: readonly { target: string; result: CatchUpResult }[], when: string): string {
  const first = runs[0]?.result;
  const messages = first?.messages ?? 0;
  const rows = runs.flatMap(({ target, result: r }) =>
    DEVICES.map(([device, label]) => {
      const seconds = medianOf(r, device, (t) => t.seconds);
      const cpu = medianOf(r, device, (t) => t.serverCpuSeconds);
      const clientCpu = medianOf(r, device, (t) => t.clientCpuSeconds);
      return `| ${target} | ${label} | ${seconds.toFixed(2)} | ${Math.round(messages / seconds).toLocaleString("en-US")} | ${medianOf(r, device, (t) => t.requests)} | ${cpu.toFixed(2)} | ${clientCpu.toFixed(2)} | ${r.errors} |`;
    }),
  );
  return `## Catch-up

\`npm run bench -- catch-up --start <target> --count ${messages} --rounds ${first?.rounds.length ?? 0}\` (${when}) — a user with
${first?.conversations ?? 0} conversations (half direct, half groups of four) is away while the others send ${messages.toLocaleString("en-US")} messages,
spread as a real inbox is (every conversation gets one, the rest go to conversation k in proportion to 1/k: the largest
holds ${(first?.largest ?? 0).toLocaleString("en-US")}). Then a new SDK
client starts from the cursors the app saved (*back*: the server's offline backlog sends the messages over the socket
while the client fetches history), and after it another one from the same cursors (*other device*: the backlog is
delivered, so history only), and a third the same way keeping what it gets in a file store (*file store*:
\`fileStorage\`, the offline-first SDK's Node storage: cursors and the 200 latest messages of each conversation,
fsynced; its client CPU counts those writes up to \`close()\`). The time runs from \`connect()\` until every missed message is emitted, each exactly once
and in order (errors count any other, over every round). Requests are the client's HTTP requests; server CPU is the
server process's user + system time over the catch-up, from \`/proc/<pid>/stat\` (MariaDB's own is not in it); client CPU the bench process's (it
runs nothing else meanwhile). Each round is a new absence; medians of the rounds.

| target | device | seconds | messages/s | requests | server CPU s | client CPU s | errors |
|---|---|---:|---:|---:|---:|---:|---:|
${rows.join("\n")}
`;
}
