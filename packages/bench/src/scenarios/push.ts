import { createECDH, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHistogram } from "node:perf_hooks";
import WebSocket from "ws";
import { closeHard } from "../close-hard.js";
import { startTarget, type TargetName } from "../targets.js";
import { latencyMs } from "./group-members.js";

export interface PushOptions {
  /** Offline members of the group, each with one push subscription. */
  recipients: number;
  /** Group messages sent, one after the other's pushes have all arrived. */
  rounds: number;
  progress: (line: string) => void;
}

export interface PushRound {
  /** Pushes that arrived for this round's message. */
  pushes: number;
  /** From the first push to the last: the rate the server pushes at, once planning is done. */
  pushesPerSecond: number;
  /** From the message's POST to each push's arrival (includes PUSH_COLLAPSE_MS). */
  latencyMs: { p50: number; p99: number; max: number };
  /** From the message's POST to the first push. */
  firstMs: number;
}

export interface PushResult {
  recipients: number;
  collapseMs: number;
  rounds: PushRound[];
  /** Pushes that never came within the deadline, over every round. */
  lost: number;
}

/** How long a round may take before its missing pushes count as lost. */
const ROUND_DEADLINE_MS = 120_000;
/** The server's wait for more messages to fold in (the default), left as it ships. */
const COLLAPSE_MS = 1500;
const httpBase = (wsUrl: string) => wsUrl.replace(/^ws/, "http").replace(/\/ws$/, "");

/**
 * A local push service: answers every POST 201 at once and notes when each arrived. It
 * decrypts nothing (that is the tests' job, test/push-service.ts): here it stands for a push
 * service that keeps up, so the figure is the server's.
 */
async function startPushService(): Promise<{ url: string; arrivals: number[]; bad: number; server: Server }> {
  const state = { url: "", arrivals: [] as number[], bad: 0, server: undefined as unknown as Server };
  state.server = createServer((req, res) => {
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on("end", () => {
      const ok =
        req.method === "POST" &&
        req.headers["content-encoding"] === "aes128gcm" &&
        String(req.headers.authorization ?? "").startsWith("vapid t=") &&
        bytes > 0;
      if (ok) state.arrivals.push(performance.now());
      else state.bad++;
      res.writeHead(201).end();
    });
  });
  state.server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => state.server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

/** Runs `work` over `items`, `limit` at a time. */
async function inBatches<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * `recipients` users in one group, none connected, each with a Web Push subscription to a local
 * push service; a member posts, and every recipient must get one push. Measured per round:
 * pushes per second (first to last) and the time from the POST to each push. The group is
 * above no mentions-only threshold (PUSH_GROUP_MENTIONS_ONLY_ABOVE is raised), so every member
 * is notified: the worst case a deployment can configure.
 */
export async function runPush(name: TargetName, options: PushOptions): Promise<PushResult> {
  const service = await startPushService();
  options.progress(`starting ${name} with a local push service`);
  const target = await startTarget(name, {
    PUSH_ALLOW_PRIVATE_ENDPOINTS: "true",
    PUSH_GROUP_MENTIONS_ONLY_ABOVE: String(options.recipients + 1),
    PUSH_COLLAPSE_MS: String(COLLAPSE_MS),
    GROUP_MAX_MEMBERS: String(options.recipients + 1),
    // One subscription each, made as fast as the bench can: the per-user budget is not what is measured.
    LOG_LEVEL: "warn",
  });
  const base = 60_000_000 + Math.floor(Math.random() * 100_000) * 20_000;
  const ids = Array.from({ length: options.recipients + 1 }, (_, i) => base + i);
  const api = httpBase(target.url);
  try {
    const tokens = await Promise.all(ids.map((id) => target.token(id)));
    // Each user exists once its first connection opens; then it leaves, so it is offline.
    options.progress(`${name}: provisioning ${ids.length} users`);
    await inBatches(
      ids.map((_, i) => i),
      200,
      (i) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(target.url, {
            headers: { authorization: `Bearer ${tokens[i]}` },
            perMessageDeflate: false,
            localAddress: `127.0.0.${1 + (i % 4)}`,
          });
          ws.once("message", () => {
            closeHard(ws);
            resolve();
          });
          ws.once("error", reject);
        }),
    );
    const post = async (token: string, path: string, body: unknown) => {
      const res = await fetch(`${api}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (res.status !== 201 && res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: number };
    };
    const group = await post(tokens[0] as string, "/api/conversations", {
      kind: "group",
      title: "push bench",
      member_ids: ids.slice(1),
    });
    // One valid P-256 point serves every subscription: the server encrypts for each all the same.
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const keys = { p256dh: ecdh.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") };
    options.progress(`${name}: ${options.recipients} subscriptions`);
    await inBatches(
      ids.slice(1).map((id, k) => ({ id, token: tokens[k + 1] as string })),
      50,
      async ({ id, token }) => {
        await post(token, "/api/push/subscriptions", { endpoint: `${service.url}/push/${id}`, keys });
      },
    );
    const rounds: PushRound[] = [];
    let lost = 0;
    for (let round = 1; round <= options.rounds; round++) {
      service.arrivals.length = 0;
      const sentAt = performance.now();
      await post(tokens[0] as string, `/api/conversations/${group.id}/messages`, { content: `push round ${round}` });
      const deadline = sentAt + ROUND_DEADLINE_MS;
      let reported = 0;
      while (service.arrivals.length < options.recipients && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (performance.now() - sentAt > (reported + 1) * 1000) {
          reported++;
          options.progress(`${name}: round ${round}, ${service.arrivals.length}/${options.recipients} pushes`);
        }
      }
      const arrivals = [...service.arrivals];
      lost += options.recipients - Math.min(arrivals.length, options.recipients);
      const histogram = createHistogram();
      for (const at of arrivals) histogram.record(Math.max(1, Math.round((at - sentAt) * 1000)));
      const first = Math.min(...arrivals);
      const last = Math.max(...arrivals);
      rounds.push({
        pushes: arrivals.length,
        pushesPerSecond: arrivals.length > 1 ? (arrivals.length - 1) / ((last - first) / 1000) : 0,
        latencyMs: latencyMs(histogram),
        firstMs: Math.round((first - sentAt) * 100) / 100,
      });
    }
    if (service.bad > 0) throw new Error(`${service.bad} requests to the push service were not Web Pushes`);
    return { recipients: options.recipients, collapseMs: COLLAPSE_MS, rounds, lost };
  } finally {
    await target.stop();
    service.server.closeAllConnections();
    await new Promise((resolve) => service.server.close(resolve));
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
};

/** The push scenario's table: each target's median round, and what was lost. */
export function pushTable(runs: readonly { target: string; result: PushResult }[]): string {
  const first = runs[0]?.result;
  const lines = [
    `push: one group message to ${first?.recipients ?? 0} offline members, one subscription each, ${first?.rounds.length ?? 0} rounds (medians); PUSH_COLLAPSE_MS=${first?.collapseMs ?? 0}`,
    "target           pushes/s   first push ms   p50 ms    p99 ms    max ms   lost",
  ];
  for (const { target, result: r } of runs) {
    lines.push(
      `${target.padEnd(15)} ${median(r.rounds.map((x) => x.pushesPerSecond))
        .toFixed(0)
        .padStart(9)} ${median(r.rounds.map((x) => x.firstMs))
        .toFixed(0)
        .padStart(15)} ${median(r.rounds.map((x) => x.latencyMs.p50))
        .toFixed(0)
        .padStart(8)} ${median(r.rounds.map((x) => x.latencyMs.p99))
        .toFixed(0)
        .padStart(9)} ${median(r.rounds.map((x) => x.latencyMs.max))
        .toFixed(0)
        .padStart(9)} ${String(r.lost).padStart(6)}`,
    );
  }
  return lines.join("\n");
}

/** The push scenario's section of docs/benchmarks.md (`when` says which run made the figures). */
export function pushSection(runs: readonly { target: string; result: PushResult }[], when: string): string {
  const first = runs[0]?.result;
  const recipients = first?.recipients ?? 0;
  const rows = runs.map(({ target, result: r }) => {
    const m = (pick: (x: PushRound) => number) => Math.round(median(r.rounds.map(pick))).toLocaleString("en-US");
    return `| ${target} | ${m((x) => x.pushesPerSecond)} | ${m((x) => x.firstMs)} | ${m((x) => x.latencyMs.p50)} | ${m((x) => x.latencyMs.p99)} | ${r.lost} |`;
  });
  return `## Web Push

\`npm run bench -- push --start <target> --members ${recipients} --rounds ${first?.rounds.length ?? 0}\` (${when}) — one group of
${recipients.toLocaleString("en-US")} members, none connected, each with one Web Push subscription to a local push service (in the
bench's process, answering 201 at once); a member posts one message, and the round ends when every member's push has
arrived. \`PUSH_GROUP_MENTIONS_ONLY_ABOVE\` is raised so every member is notified, and \`PUSH_COLLAPSE_MS\` is left at its
default (${first?.collapseMs ?? 0} ms), which every latency includes. Pushes per second count from the first push to the
last; medians of the rounds.

| target | pushes/s | first push ms | p50 ms | p99 ms | lost |
|---|---:|---:|---:|---:|---:|
${rows.join("\n")}
`;
}
