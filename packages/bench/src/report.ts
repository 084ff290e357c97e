/**
 * npm run bench:report — runs the standard set (ChatApp on SQLite, on MariaDB and as a
 * three-node cluster, the bare relay and the naive peer, each started fresh, all in one run) and writes
 * docs/benchmarks.md with the machine, the commands, the tables, the ratios to the relay, and
 * an SVG chart (docs/benchmarks-throughput.svg).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { type BeforeSendResult, runBeforeSend } from "./scenarios/before-send.js";
import { type CatchUpResult, catchUpSection, runCatchUp } from "./scenarios/catch-up.js";
import { type ConnectionsResult, runConnections } from "./scenarios/connections.js";
import { type DmResult, runDm } from "./scenarios/dm.js";
import { type FanoutResult, runGroupFanout } from "./scenarios/group-fanout.js";
import { type PushResult, pushSection, runPush } from "./scenarios/push.js";
import { type ReactionsResult, runReactions } from "./scenarios/reactions.js";
import { runReconnectStorm, type StormResult } from "./scenarios/reconnect-storm.js";
import { runUpload, type UploadResult } from "./scenarios/upload.js";
import { startTarget, TARGETS, type TargetName } from "./targets.js";

const root = resolve(import.meta.dirname, "../../..");
const progress = (line: string) => process.stderr.write(`${line}\n`);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PAIRS = 50;
const WINDOW = 32;
const RATE = 2000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 19_900);

async function dm(name: TargetName, rate: number): Promise<DmResult> {
  progress(`starting ${name}`);
  const target = await startTarget(name);
  try {
    return await runDm(target, { pairs: PAIRS, window: WINDOW, rate, seconds: SECONDS, warmup: 3, progress });
  } finally {
    await target.stop();
  }
}

async function connections(name: TargetName): Promise<ConnectionsResult> {
  progress(`starting ${name}`);
  const target = await startTarget(name);
  try {
    return await runConnections(target, {
      count: CONNECTIONS,
      concurrency: 200,
      waitForReady: name.startsWith("chatapp"),
      progress,
    });
  } finally {
    await target.stop();
  }
}

async function fanout(name: TargetName): Promise<FanoutResult[]> {
  progress(`starting ${name}`);
  const target = await startTarget(name);
  try {
    const out: FanoutResult[] = [];
    for (const members of [10, 100, 1000]) {
      out.push(
        await runGroupFanout(target, { members, window: 8, seconds: SECONDS, warmup: 3, progress }, name.startsWith("chatapp")),
      );
    }
    return out;
  } finally {
    await target.stop();
  }
}

const throughput = new Map<TargetName, DmResult>();
for (const name of TARGETS) throughput.set(name, await dm(name, 0));
const latency = new Map<TargetName, DmResult>();
for (const name of TARGETS) latency.set(name, await dm(name, RATE));
const conns = new Map<TargetName, ConnectionsResult>();
for (const name of ["relay", "chatapp-sqlite"] as TargetName[]) conns.set(name, await connections(name));
const fanouts = new Map<TargetName, FanoutResult[]>();
for (const name of ["relay", "chatapp-sqlite", "chatapp-mysql"] as TargetName[]) fanouts.set(name, await fanout(name));
// Reactions in a 1,000-member group, next to group-fanout: ChatApp's single-node targets (the peers have none).
const REACTION_MEMBERS = 1000;
const REACTORS = 50;
const reactionRuns = new Map<TargetName, ReactionsResult>();
for (const name of ["chatapp-sqlite", "chatapp-mysql"] as TargetName[]) {
  progress(`starting ${name}`);
  const target = await startTarget(name);
  try {
    const options = { members: REACTION_MEMBERS, reactors: REACTORS, seconds: SECONDS, warmup: 3, progress };
    reactionRuns.set(name, await runReactions(target, options));
  } finally {
    await target.stop();
  }
}
// The before-send hook's cost: dm-throughput without and with a local hook answering in 1 ms.
const beforeSendRuns = new Map<TargetName, BeforeSendResult>();
for (const name of ["chatapp-sqlite", "chatapp-mysql"] as TargetName[]) {
  const options = { pairs: PAIRS, window: WINDOW, rate: 0, seconds: SECONDS, warmup: 3, progress };
  beforeSendRuns.set(name, await runBeforeSend(name, options));
}
// Web Push: one group message to 10,000 offline members, each with a subscription.
const PUSH_RECIPIENTS = Number(process.env.BENCH_PUSH_RECIPIENTS ?? 10_000);
const pushRuns: { target: string; result: PushResult }[] = [];
for (const name of ["chatapp-sqlite", "chatapp-mysql"] as TargetName[]) {
  pushRuns.push({ target: name, result: await runPush(name, { recipients: PUSH_RECIPIENTS, rounds: 3, progress }) });
}
// Catch-up: a user back after 10,000 messages over 50 conversations; 3 rounds keep it under a minute per target.
const CATCHUP_MESSAGES = Number(process.env.BENCH_CATCHUP_MESSAGES ?? 10_000);
const catchUpRuns: { target: string; result: CatchUpResult }[] = [];
for (const name of ["chatapp-sqlite", "chatapp-mysql"] as TargetName[]) {
  const options = { messages: CATCHUP_MESSAGES, conversations: 50, rounds: 3, progress };
  catchUpRuns.push({ target: name, result: await runCatchUp(name, options) });
}
const STORM_CLIENTS = Number(process.env.BENCH_STORM_CLIENTS ?? 5000);
const storms = new Map<TargetName, StormResult>();
for (const name of ["chatapp-sqlite", "chatapp-mysql"] as TargetName[]) {
  progress(`starting ${name}`);
  const target = await startTarget(name);
  try {
    storms.set(name, await runReconnectStorm(target, { clients: STORM_CLIENTS, progress }));
  } finally {
    await target.stop();
  }
}
// The peers have no uploads: only ChatApp's single-node targets are measured.
const UPLOADS = 100;
const UPLOAD_BYTES = 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;
const uploads = new Map<TargetName, UploadResult>();
for (const name of ["chatapp-sqlite", "chatapp-mysql"] as TargetName[]) {
  progress(`starting ${name}`);
  const target = await startTarget(name);
  try {
    const upload = { count: UPLOADS, size: UPLOAD_BYTES, concurrency: UPLOAD_CONCURRENCY, progress };
    uploads.set(name, await runUpload(target, upload));
  } finally {
    await target.stop();
  }
}
const relayFanout = (members: number) =>
  fanouts.get("relay")?.find((f) => f.members === members)?.deliveriesPerSecond ?? Number.NaN;

const relayRate = throughput.get("relay")?.rate ?? Number.NaN;
const pct = (r: number) => `${Math.round((100 * r) / relayRate)}%`;
const cpu = cpus()[0]?.model ?? "unknown CPU";
const mariadb = (() => {
  try {
    return execFileSync("mariadb", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "MariaDB (version unknown)";
  }
})();
const checks = (r: DmResult) =>
  r.lost + r.duplicated + r.outOfOrder === 0 ? "none" : `${r.lost} lost, ${r.duplicated} doubled, ${r.outOfOrder} out of order`;

const md = `# Benchmarks

Written by \`npm run bench:report\` on ${new Date().toISOString().slice(0, 10)}. Every figure below comes from one run on one
machine, with the load generator on the same machine as the server; this machine is shared and noisy, so
compare the **ratios** within the run rather than absolute figures across runs.

**Machine:** ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${mariadb}.

**Targets**, each started fresh as its own process: \`chatapp-sqlite\` (ChatApp, SQLite WAL with \`synchronous=FULL\`),
\`chatapp-mysql\` (ChatApp on the MariaDB above, \`innodb_flush_log_at_trx_commit=1\`), \`chatapp-cluster\` (three ChatApp
nodes on that MariaDB and Redis, every DM sender on one node and its receiver on the next, so every message crosses
nodes), \`relay\` (a bare \`ws\` relay that stores nothing: the ceiling) and \`naive\` (\`ws\` + one awaited \`mysql2\`
INSERT per message, as the original did). The DM scenarios speak the original's (seed) protocol.

The cluster set runs its three nodes, MariaDB, Redis and the load generator on the same two cores: it measures what
crossing nodes costs, not how a cluster scales, which takes a machine per node.

## Direct messages: throughput

\`npm run bench -- dm-throughput --start all --pairs ${PAIRS} --window ${WINDOW} --seconds ${SECONDS}\` — ${PAIRS} sender→receiver
pairs, each with at most ${WINDOW} messages undelivered.

| target | delivered msg/s | vs relay | p50 ms | p99 ms | p99.9 ms | errors |
|---|---:|---:|---:|---:|---:|---|
${TARGETS.map((t) => {
  const r = throughput.get(t) as DmResult;
  return `| ${t} | ${Math.round(r.rate).toLocaleString("en-US")} | ${pct(r.rate)} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.latencyMs.p999} | ${checks(r)} |`;
}).join("\n")}

![delivered messages per second](benchmarks-throughput.svg)

## Direct messages: latency at ${RATE.toLocaleString("en-US")} messages/s

\`npm run bench -- dm-latency --start <target> --pairs ${PAIRS} --rate ${RATE} --seconds ${SECONDS}\` — latency from each
message's intended send time to its delivery (Node's HDR histogram), so falling behind shows.

| target | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | errors |
|---|---:|---:|---:|---:|---:|---|
${TARGETS.map((t) => {
  const r = latency.get(t) as DmResult;
  return `| ${t} | ${r.latencyMs.p50} | ${r.latencyMs.p95} | ${r.latencyMs.p99} | ${r.latencyMs.p999} | ${r.latencyMs.max} | ${checks(r)} |`;
}).join("\n")}

## Idle connections

\`npm run bench -- connections --start <target> --count ${CONNECTIONS}\` — sockets opened 200 at a time; for ChatApp each
counts once its \`ready\` frame arrived (registered, its user online).

| target | sockets | seconds | server RSS before → after | KiB per connection |
|---|---:|---:|---|---:|
${[...conns]
  .map(
    ([t, r]) =>
      `| ${t} | ${r.opened.toLocaleString("en-US")} | ${r.seconds.toFixed(1)} | ${r.rssBeforeMiB} → ${r.rssAfterMiB} MiB | ${r.kibPerConnection} |`,
  )
  .join("\n")}

## Group fan-out

\`npm run bench -- group-fanout --start <target> --members 10,100,1000 --seconds ${SECONDS}\` — one group per size, every
member connected, one member sending with at most 8 messages not yet delivered to everyone. The relay broadcasts the same
frames to a room without storing them.

| target | members | messages/s | deliveries/s | vs relay | last member p50 ms | p99 ms |
|---|---:|---:|---:|---:|---:|---:|
${[...fanouts]
  .flatMap(([t, rs]) =>
    rs.map(
      (r) =>
        `| ${t} | ${r.members} | ${Math.round(r.messagesPerSecond).toLocaleString("en-US")} | ${Math.round(r.deliveriesPerSecond).toLocaleString("en-US")} | ${Math.round((100 * r.deliveriesPerSecond) / relayFanout(r.members))}% | ${r.lastMemberMs.p50} | ${r.lastMemberMs.p99} |`,
    ),
  )
  .join("\n")}

${reactionsSection(reactionRuns, "in the run above")}
${beforeSendSection(beforeSendRuns, "in the run above")}
${pushSection(pushRuns, "in the run above")}
${catchUpSection(catchUpRuns, "in the run above")}
## Reconnect storm

\`npm run bench -- reconnect-storm --start <target> --clients ${STORM_CLIENTS}\` — ${STORM_CLIENTS.toLocaleString("en-US")} SDK clients
(\`@chatapp/client\`) connected, then every socket dropped at once as a network failure would: the time until all of
them are open again with their resume done (each client reconnects with its own jittered backoff).

| target | clients | all connected in s | all back and resumed in s |
|---|---:|---:|---:|
${[...storms].map(([t, r]) => `| ${t} | ${r.clients.toLocaleString("en-US")} | ${r.connectSeconds.toFixed(1)} | ${r.backSeconds.toFixed(1)} |`).join("\n")}

${uploadSection(uploads, `${new Date().toISOString().slice(0, 10)}, in the run above`)}

`;

// The web client's figures come from its own scripts, in Chromium (npm run perf and
// npm run bench:scroll -w @chatapp/web), under "## Web client": a server report keeps them.
const out = resolve(root, "docs/benchmarks.md");
const previous = existsSync(out) ? readFileSync(out, "utf8") : "";
const web = previous.indexOf("\n## Web client");
writeFileSync(out, web < 0 ? md : `${md.trimEnd()}\n${previous.slice(web)}`);
writeFileSync(resolve(root, "docs/benchmarks-throughput.svg"), barChart([...throughput].map(([t, r]) => [t, r.rate])));
progress("wrote docs/benchmarks.md and docs/benchmarks-throughput.svg");

/**
 * The upload scenario's section (also kept by hand in docs/benchmarks.md when only it was run:
 * `when` says which run made the figures).
 */
function uploadSection(results: Map<TargetName, UploadResult>, when: string): string {
  const size = UPLOAD_BYTES / 1024 ** 2;
  return `## Uploads

\`npm run bench -- upload --start <target> --count ${UPLOADS} --size ${size}MiB --concurrency ${UPLOAD_CONCURRENCY}\` (${when}) — ${UPLOADS}
files of ${size} MiB of random bytes (nothing to compress, nothing read as an image) sent to \`POST /api/uploads\` as
multipart forms through Node's \`fetch\`, ${UPLOAD_CONCURRENCY} in flight, each answer checked to be 201 with the file's size; the
files go to the local-disk store in a temporary folder. MB/s is payload megabytes (10⁶ bytes) stored per second over the
whole run; latency is each upload's, from the request to its answer; the server's resident memory is read from
\`/proc/<pid>/status\` every 20 ms while the uploads run. The peers (\`relay\`, \`naive\`) have no uploads and are
not measured.

| target | uploads | MB/s | p50 ms | p99 ms | server RSS before | median while uploading | peak |
|---|---:|---:|---:|---:|---:|---:|---:|
${[...results]
  .map(
    ([t, r]) =>
      `| ${t} | ${r.uploaded}${r.failed ? ` (${r.failed} failed)` : ""} | ${r.megabytesPerSecond.toFixed(1)} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.rssBeforeMiB} MiB | ${r.rssMedianMiB} MiB | ${r.rssPeakMiB} MiB |`,
  )
  .join("\n")}
`;
}

/**
 * The reactions scenario's section (also kept by hand in docs/benchmarks.md when only it was
 * run: `when` says which run made the figures).
 */
function reactionsSection(results: Map<TargetName, ReactionsResult>, when: string): string {
  return `## Reactions

\`npm run bench -- reactions --start <target> --members ${REACTION_MEMBERS} --reactors ${REACTORS} --seconds ${SECONDS}\` (${when}) — one group of
${REACTION_MEMBERS.toLocaleString("en-US")} members, every one connected, and one message; each round ${REACTORS} members send \`react\` at once (the next
round \`unreact\`, and so on), each with its own emoji, and the next round starts once every member has every \`reaction\`
frame of this one. Each reaction is one publish to the member list: ${REACTORS} reactions make ${(REACTORS * REACTION_MEMBERS).toLocaleString("en-US")} frames, never a frame
per member per member. Latency is from the round's frames leaving to the last member receiving each reaction, so it
includes the wait behind the other ${REACTORS - 1} of the round. Compare deliveries/s with group-fanout at 1,000 members.

| target | members | reactors | reactions/s | deliveries/s | last member p50 ms | p99 ms |
|---|---:|---:|---:|---:|---:|---:|
${[...results]
  .map(
    ([t, r]) =>
      `| ${t} | ${r.members} | ${r.reactors} | ${Math.round(r.reactionsPerSecond).toLocaleString("en-US")} | ${Math.round(r.deliveriesPerSecond).toLocaleString("en-US")} | ${r.lastMemberMs.p50} | ${r.lastMemberMs.p99} |`,
  )
  .join("\n")}
`;
}

/**
 * The before-send scenario's section (also kept by hand in docs/benchmarks.md when only it was
 * run: `when` says which run made the figures).
 */
function beforeSendSection(results: Map<TargetName, BeforeSendResult>, when: string): string {
  const row = (t: string, hook: string, r: DmResult, base: DmResult) =>
    `| ${t} | ${hook} | ${Math.round(r.rate).toLocaleString("en-US")} | ${Math.round((100 * r.rate) / base.rate)}% | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${checks(r)} |`;
  return `## Before-send hook

\`npm run bench -- before-send --start <target> --pairs ${PAIRS} --window ${WINDOW} --seconds ${SECONDS}\` (${when}) — dm-throughput on a
fresh target without a hook, then on another with \`BEFORE_SEND_URL\` pointing at a local hook (its own process) that answers
\`{"action":"allow"}\` 1 ms after each request, with \`BEFORE_SEND_FAILURE=reject\` and \`BEFORE_SEND_TIMEOUT_MS=10000\` so a message the hook did not allow is
counted lost, never let through. Every message is one signed HTTP call before it is stored; a connection's sends ask the
hook side by side and are still stored in order, in the same group-commit batches.

| target | hook | delivered msg/s | vs no hook | p50 ms | p99 ms | errors |
|---|---|---:|---:|---:|---:|---|
${[...results].flatMap(([t, r]) => [row(t, "none", r.without, r.without), row(t, "1 ms", r.with, r.without)]).join("\n")}
`;
}

/** A horizontal bar chart of delivered messages per second. */
function barChart(bars: [string, number][]): string {
  const width = 640;
  const left = 130;
  const barHeight = 26;
  const gap = 12;
  const height = 40 + bars.length * (barHeight + gap);
  const max = Math.max(...bars.map(([, v]) => v));
  const rows = bars
    .map(([label, value], i) => {
      const y = 30 + i * (barHeight + gap);
      const w = Math.max(1, Math.round(((width - left - 90) * value) / max));
      const color = label.startsWith("chatapp") ? "#2f6fde" : label === "relay" ? "#9aa5b1" : "#d9822b";
      return `<text x="${left - 8}" y="${y + 18}" text-anchor="end">${label}</text><rect x="${left}" y="${y}" width="${w}" height="${barHeight}" fill="${color}"/><text x="${left + w + 6}" y="${y + 18}">${Math.round(value).toLocaleString("en-US")}</text>`;
    })
    .join("");
  const title = `Delivered messages/s (dm-throughput, ${PAIRS} pairs, window ${WINDOW})`;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" font-family="sans-serif" font-size="13"><title>${title}: ${bars.map(([l, v]) => `${l} ${Math.round(v)}`).join(", ")}</title><text x="${left}" y="18" font-weight="bold">${title}</text>${rows}</svg>\n`;
}
