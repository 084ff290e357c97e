/**
 * npm run bench -- <scenario> [--start <target> | --url ws://host/ws --secret S] [options]
 *
 * Scenarios: dm-throughput, dm-latency, connections, group-fanout, reactions, reconnect-storm, upload,
 * before-send (dm-throughput without, then with, a local before-send hook answering in 1 ms),
 * push (one group message to 10,000 offline members with Web Push subscriptions: pushes per
 * second to a local push service, and the time from the message to each push), catch-up (a
 * user back after 10,000 messages over 50 conversations: the time from connect() until its
 * SDK client has emitted them all, the requests made, the server's CPU time). Targets for
 * --start: chatapp-sqlite, chatapp-mysql, chatapp-cluster (three nodes on MariaDB and Redis,
 * DM senders and receivers on different nodes),
 * relay (a bare ws relay: the ceiling), naive (ws + one awaited mysql2 INSERT per message).
 * `--start all` measures every target in one run and adds each one's ratio to the relay.
 * Progress goes to stderr; a table (or, with --json, JSON) to stdout.
 */
import { parseArgs } from "node:util";
import { type BeforeSendResult, runBeforeSend } from "./scenarios/before-send.js";
import { type CatchUpResult, catchUpTable, runCatchUp } from "./scenarios/catch-up.js";
import { type ConnectionsResult, runConnections } from "./scenarios/connections.js";
import { type DmResult, runDm } from "./scenarios/dm.js";
import { type FanoutResult, runGroupFanout } from "./scenarios/group-fanout.js";
import { type PushResult, pushTable, runPush } from "./scenarios/push.js";
import { type ReactionsResult, runReactions } from "./scenarios/reactions.js";
import { runReconnectStorm, type StormResult } from "./scenarios/reconnect-storm.js";
import { parseSize, runUpload, type UploadResult } from "./scenarios/upload.js";
import { remoteTarget, startTarget, TARGETS, type Target, type TargetName } from "./targets.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    start: { type: "string" },
    url: { type: "string" },
    secret: { type: "string", default: process.env.JWT_SECRET },
    pairs: { type: "string", default: "50" },
    window: { type: "string", default: "32" },
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
    // Defaults per scenario: connections 19900 sockets, 200 at once; upload 100 files, 4 at once.
    count: { type: "string" },
    // group-fanout: one group per size; reactions: one group (1000 unless given).
    members: { type: "string", default: "10,100,1000" },
    reactors: { type: "string", default: "50" },
    clients: { type: "string", default: "2000" },
    concurrency: { type: "string" },
    size: { type: "string", default: "1MiB" },
    // push: group messages sent, each once the last one's pushes all arrived; catch-up: catch-ups timed.
    rounds: { type: "string", default: "3" },
    // catch-up: the user's conversations, which the --count missed messages are spread over.
    conversations: { type: "string", default: "50" },
    help: { type: "boolean", short: "h", default: false },
  },
});

const scenario = positionals[0];
const SCENARIOS = [
  "dm-throughput",
  "dm-latency",
  "connections",
  "group-fanout",
  "reactions",
  "reconnect-storm",
  "upload",
  "before-send",
  "push",
  "catch-up",
];
function usage(message: string): never {
  process.stderr.write(
    `bench: ${message}\nusage: npm run bench -- <${SCENARIOS.join("|")}> (--start <${TARGETS.join("|")}|all> | --url URL --secret S)\n`,
  );
  process.exit(2);
}
if (values.help) {
  // The comment at the top of this file, as the answer to --help.
  process.stdout.write(
    [
      `usage: npm run bench -- <${SCENARIOS.join("|")}> (--start <${TARGETS.join("|")}|all> | --url URL --secret S) [options]`,
      "options: --seconds N (10) --warmup N (3) --json",
      "  dm-throughput, dm-latency: --pairs N (50) --window N (32) --rate N (2000, dm-latency)",
      "  group-fanout: --members N,N,... (10,100,1000) --window N (32)",
      "  reactions: --members N (1000; the default list means 1000) --reactors N (50)",
      "  connections: --count N (19900) --concurrency N (200); reconnect-storm: --clients N (2000)",
      "  upload: --count N (100) --concurrency N (4) --size S (1MiB)",
      "  push: --members N (10000 offline recipients) --rounds N (3); --start chatapp-sqlite, chatapp-mysql or all",
      "  catch-up: --count N (10000 messages missed) --conversations N (50) --rounds N (3); --start chatapp-sqlite, chatapp-mysql or all",
      "example, quick and small: npm run bench -- reactions --start chatapp-sqlite --members 50 --reactors 5 --seconds 2 --warmup 1",
      "",
    ].join("\n"),
  );
  process.exit(0);
}
if (!scenario || !SCENARIOS.includes(scenario)) usage(`unknown scenario ${scenario ?? "(none)"}`);
const wholeNumber = (name: string, raw: string) => {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) usage(`--${name} must be a whole number from 1 (got ${JSON.stringify(raw)})`);
  return n;
};
const defaultCount = scenario === "upload" ? "100" : scenario === "catch-up" ? "10000" : "19900";
const count = wholeNumber("count", values.count ?? defaultCount);
const concurrency = wholeNumber("concurrency", values.concurrency ?? (scenario === "upload" ? "4" : "200"));
const size = (() => {
  try {
    return parseSize(String(values.size));
  } catch (err) {
    return usage((err as Error).message);
  }
})();

const progress = (line: string) => process.stderr.write(`${line}\n`);
const options = {
  pairs: Number(values.pairs),
  window: Number(values.window),
  rate: scenario === "dm-latency" ? Number(values.rate) : 0,
  seconds: Number(values.seconds),
  warmup: Number(values.warmup),
  progress,
};

type Result = DmResult | ConnectionsResult | FanoutResult[] | StormResult | UploadResult | ReactionsResult;

async function measure(target: Target): Promise<Result> {
  try {
    if (scenario === "reconnect-storm") {
      if (["relay", "naive"].includes(target.name)) usage("reconnect-storm measures ChatApp (the peers have no resume)");
      return await runReconnectStorm(target, { clients: Number(values.clients), progress });
    }
    if (scenario === "upload") {
      return await runUpload(target, { count, size, concurrency, progress });
    }
    if (scenario === "reactions") {
      if (["relay", "naive"].includes(target.name)) usage("reactions measures ChatApp (the peers have no reactions)");
      const members = values.members === "10,100,1000" ? 1000 : wholeNumber("members", String(values.members));
      const reactors = Math.min(members, wholeNumber("reactors", String(values.reactors)));
      return await runReactions(target, { members, reactors, seconds: options.seconds, warmup: options.warmup, progress });
    }
    if (scenario === "group-fanout") {
      const out: FanoutResult[] = [];
      const window = values.window === "32" ? 8 : Number(values.window);
      for (const members of String(values.members).split(",").map(Number)) {
        const fanout = { members, window, seconds: options.seconds, warmup: options.warmup, progress };
        out.push(await runGroupFanout(target, fanout, !["relay", "naive"].includes(target.name)));
      }
      return out;
    }
    if (scenario === "connections") {
      return await runConnections(target, {
        count,
        concurrency,
        waitForReady: !["relay", "naive"].includes(target.name),
        progress,
      });
    }
    return await runDm(target, options);
  } finally {
    await target.stop();
  }
}

if (scenario === "before-send") {
  // Two fresh targets per kind (without the hook, then with it): --url cannot say how a server was started.
  const kinds: TargetName[] = ["chatapp-sqlite", "chatapp-mysql"];
  const names = values.start === "all" ? kinds : [values.start];
  if (values.url) usage("before-send starts its own targets: use --start chatapp-sqlite, chatapp-mysql or all");
  const runs: { target: string; result: BeforeSendResult }[] = [];
  for (const name of names) {
    if (!name || !(kinds as string[]).includes(name)) usage("before-send takes --start chatapp-sqlite, chatapp-mysql or all");
    runs.push({ target: name, result: await runBeforeSend(name as TargetName, options) });
  }
  if (values.json) console.log(JSON.stringify({ scenario, results: runs }, null, 2));
  else {
    console.log(
      `before-send: dm-throughput, ${options.pairs} pairs, window ${options.window}, ${options.seconds} s; hook answers in 1 ms`,
    );
    console.log("target           hook      msg/s   vs no hook    p50 ms   p99 ms   lost  dup  order");
    for (const { target, result } of runs) {
      for (const [label, r] of [
        ["none", result.without],
        ["1 ms", result.with],
      ] as const) {
        const ratio = `${Math.round((100 * r.rate) / result.without.rate)}%`;
        console.log(
          `${target.padEnd(15)} ${label.padEnd(6)} ${r.rate.toFixed(0).padStart(9)} ${ratio.padStart(12)} ${String(r.latencyMs.p50).padStart(9)} ${String(r.latencyMs.p99).padStart(8)} ${String(r.lost).padStart(6)} ${String(r.duplicated).padStart(4)} ${String(r.outOfOrder).padStart(6)}`,
        );
      }
    }
  }
  const bad = (r: DmResult) => r.lost > 0 || r.duplicated > 0 || r.outOfOrder > 0;
  if (runs.some(({ result }) => bad(result.with) || bad(result.without))) process.exitCode = 1;
  // The rest of this file is the other scenarios': stop here, once stdout is written out.
  await new Promise((resolve) => process.stdout.write("", resolve));
  process.exit();
}

if (scenario === "push") {
  // Each target starts with PUSH_* set for the scenario and a push service of the bench's own.
  const kinds: TargetName[] = ["chatapp-sqlite", "chatapp-mysql"];
  const names = values.start === "all" ? kinds : [values.start];
  if (values.url) usage("push starts its own targets: use --start chatapp-sqlite, chatapp-mysql or all");
  const recipients = values.members === "10,100,1000" ? 10_000 : wholeNumber("members", String(values.members));
  const rounds = wholeNumber("rounds", String(values.rounds));
  const runs: { target: string; result: PushResult }[] = [];
  for (const name of names) {
    if (!name || !(kinds as string[]).includes(name)) usage("push takes --start chatapp-sqlite, chatapp-mysql or all");
    runs.push({ target: name, result: await runPush(name as TargetName, { recipients, rounds, progress }) });
  }
  if (values.json) console.log(JSON.stringify({ scenario, results: runs }, null, 2));
  else console.log(pushTable(runs));
  if (runs.some(({ result }) => result.lost > 0)) process.exitCode = 1;
  await new Promise((resolve) => process.stdout.write("", resolve));
  process.exit();
}

if (scenario === "catch-up") {
  // The scenario reads the server's CPU time from /proc, so it starts the server itself.
  const kinds: TargetName[] = ["chatapp-sqlite", "chatapp-mysql"];
  const names = values.start === "all" ? kinds : [values.start];
  if (values.url) usage("catch-up starts its own targets: use --start chatapp-sqlite, chatapp-mysql or all");
  const conversations = wholeNumber("conversations", String(values.conversations));
  if (conversations > count) usage("catch-up needs at least one message per conversation: --count below --conversations");
  const rounds = wholeNumber("rounds", String(values.rounds));
  const runs: { target: string; result: CatchUpResult }[] = [];
  for (const name of names) {
    if (!name || !(kinds as string[]).includes(name)) usage("catch-up takes --start chatapp-sqlite, chatapp-mysql or all");
    const options = { messages: count, conversations, rounds, progress };
    runs.push({ target: name, result: await runCatchUp(name as TargetName, options) });
  }
  if (values.json) console.log(JSON.stringify({ scenario, results: runs }, null, 2));
  else console.log(catchUpTable(runs));
  if (runs.some(({ result }) => result.errors > 0)) process.exitCode = 1;
  await new Promise((resolve) => process.stdout.write("", resolve));
  process.exit();
}

const results: { target: string; result: Result }[] = [];
if (values.url) {
  if (!values.secret) usage("--url needs --secret (or JWT_SECRET)");
  results.push({ target: values.url, result: await measure(remoteTarget(values.url, values.secret)) });
} else {
  // The peers have no uploads: `all` measures ChatApp's targets only, and naming a peer is refused before anything starts.
  const peers = ["relay", "naive"];
  const all = scenario === "upload" ? TARGETS.filter((t) => !peers.includes(t)) : [...TARGETS];
  const names = values.start === "all" ? all : [values.start];
  for (const name of names) {
    if (!name || !(TARGETS as readonly string[]).includes(name)) usage(`--start takes ${TARGETS.join(", ")} or all`);
    if (scenario === "upload" && peers.includes(name)) usage("upload measures ChatApp (the peers have no uploads)");
    progress(`starting ${name}`);
    results.push({ target: name, result: await measure(await startTarget(name as TargetName)) });
  }
}

const isDm = (r: Result): r is DmResult => !Array.isArray(r) && "latencyMs" in r;
const isFanout = (r: Result): r is FanoutResult[] => Array.isArray(r);
const isStorm = (r: Result): r is StormResult => !Array.isArray(r) && "backSeconds" in r;
const isUpload = (r: Result): r is UploadResult => !Array.isArray(r) && "megabytesPerSecond" in r;
const isReactions = (r: Result): r is ReactionsResult => !Array.isArray(r) && "reactionsPerSecond" in r;
const relayResult = results.find((r) => r.target === "relay")?.result;
const relay = relayResult && isDm(relayResult) ? relayResult.rate : undefined;
if (values.json) {
  console.log(JSON.stringify({ scenario, results }, null, 2));
} else if (scenario === "reconnect-storm") {
  console.log("reconnect-storm: every SDK client's socket dropped at once");
  console.log("target           clients   connect s   all back and resumed s   reconnect attempts");
  for (const { target, result: r } of results) {
    if (!isStorm(r)) continue;
    console.log(
      `${target.padEnd(15)} ${String(r.clients).padStart(8)} ${r.connectSeconds.toFixed(2).padStart(11)} ${r.backSeconds.toFixed(2).padStart(24)} ${String(r.reconnects).padStart(20)}`,
    );
  }
} else if (scenario === "upload") {
  console.log(`upload: ${count} files of ${size} random bytes, ${concurrency} in flight`);
  console.log("target           uploaded  failed   seconds     MB/s   p50 ms   p99 ms   RSS before   median   peak");
  for (const { target, result: r } of results) {
    if (!isUpload(r)) continue;
    console.log(
      `${target.padEnd(15)} ${String(r.uploaded).padStart(9)} ${String(r.failed).padStart(7)} ${r.seconds.toFixed(2).padStart(9)} ${r.megabytesPerSecond.toFixed(1).padStart(8)} ${String(r.latencyMs.p50).padStart(8)} ${String(r.latencyMs.p99).padStart(8)} ${`${r.rssBeforeMiB} MiB`.padStart(12)} ${`${r.rssMedianMiB} MiB`.padStart(8)} ${`${r.rssPeakMiB} MiB`.padStart(6)}`,
    );
  }
} else if (scenario === "reactions") {
  console.log("reactions: one group, every member connected, reactors adding then removing at once");
  console.log("target           members  reactors   reactions/s   deliveries/s   last member p50 ms   p99 ms   lost");
  for (const { target, result: r } of results) {
    if (!isReactions(r)) continue;
    console.log(
      `${target.padEnd(15)} ${String(r.members).padStart(8)} ${String(r.reactors).padStart(9)} ${r.reactionsPerSecond.toFixed(0).padStart(13)} ${r.deliveriesPerSecond.toFixed(0).padStart(14)} ${String(r.lastMemberMs.p50).padStart(20)} ${String(r.lastMemberMs.p99).padStart(8)} ${String(r.lost).padStart(6)}`,
    );
  }
} else if (scenario === "group-fanout") {
  const relayFanout = results.find((r) => r.target === "relay")?.result;
  console.log("group-fanout: one sender, every member connected");
  console.log("target           members    msg/s   deliveries/s   vs relay   last member p50 ms   p99 ms   lost");
  for (const { target, result } of results) {
    if (!isFanout(result)) continue;
    for (const r of result) {
      const peer = relayFanout && isFanout(relayFanout) ? relayFanout.find((x) => x.members === r.members) : undefined;
      const ratio = peer ? `${Math.round((100 * r.deliveriesPerSecond) / peer.deliveriesPerSecond)}%` : "-";
      console.log(
        `${target.padEnd(15)} ${String(r.members).padStart(8)} ${r.messagesPerSecond.toFixed(0).padStart(8)} ${r.deliveriesPerSecond.toFixed(0).padStart(14)} ${ratio.padStart(10)} ${String(r.lastMemberMs.p50).padStart(20)} ${String(r.lastMemberMs.p99).padStart(8)} ${String(r.lost).padStart(6)}`,
      );
    }
  }
} else if (scenario === "connections") {
  console.log(`connections: ${count} idle sockets, ${concurrency} opening at once`);
  console.log("target           opened  failed   seconds   RSS before   RSS after   KiB/conn");
  for (const { target, result } of results) {
    if (isDm(result) || isFanout(result) || isStorm(result) || isUpload(result) || isReactions(result)) continue;
    const r = result;
    console.log(
      `${target.padEnd(15)} ${String(r.opened).padStart(7)} ${String(r.failed).padStart(7)} ${r.seconds.toFixed(2).padStart(9)} ${`${r.rssBeforeMiB} MiB`.padStart(12)} ${`${r.rssAfterMiB} MiB`.padStart(11)} ${String(r.kibPerConnection).padStart(10)}`,
    );
  }
} else {
  console.log(
    `${scenario}: ${options.pairs} pairs, ${options.rate ? `${options.rate} msg/s` : `window ${options.window}`}, ${options.seconds} s`,
  );
  console.log("target           msg/s   vs relay    p50 ms   p99 ms  p99.9 ms   max ms   lost  dup  order");
  for (const { target, result: r } of results) {
    if (!isDm(r)) continue;
    const ratio = relay ? `${((100 * r.rate) / relay).toFixed(0)}%` : "-";
    console.log(
      `${target.padEnd(15)} ${r.rate.toFixed(0).padStart(7)} ${ratio.padStart(9)} ${String(r.latencyMs.p50).padStart(9)} ${String(r.latencyMs.p99).padStart(8)} ${String(r.latencyMs.p999).padStart(9)} ${String(r.latencyMs.max).padStart(8)} ${String(r.lost).padStart(6)} ${String(r.duplicated).padStart(4)} ${String(r.outOfOrder).padStart(6)}`,
    );
  }
}
const failed = (r: Result) =>
  isStorm(r)
    ? false
    : isUpload(r)
      ? r.failed > 0
      : isReactions(r)
        ? r.lost > 0
        : isFanout(r)
          ? r.some((x) => x.lost > 0)
          : isDm(r)
            ? r.lost > 0 || r.duplicated > 0 || r.outOfOrder > 0
            : r.failed > 0;
if (results.some(({ result }) => failed(result))) process.exitCode = 1;
