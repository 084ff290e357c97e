import { randomUUID } from "node:crypto";
import { describeWithRedis, eventually, REDIS_URL, TcpRelay } from "@chatapp/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { Broker, BrokerEvent, ClusterNotice } from "../src/broker/broker.js";
import { MemoryBroker, MemoryBus } from "../src/broker/memory.js";
import { RedisBroker } from "../src/broker/redis.js";

/** Several nodes' brokers, joined the way the implementation joins them. */
type MakeNodes = (count: number) => Promise<Broker[]>;

const opened: Broker[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});

const memoryNodes: MakeNodes = async (count) => {
  const bus = new MemoryBus();
  const nodes = Array.from({ length: count }, () => new MemoryBroker(bus));
  opened.push(...nodes);
  return nodes;
};

const redisNodes: MakeNodes = async (count) => {
  const channel = `chatapp:test:${randomUUID()}`;
  const nodes = Array.from({ length: count }, () => new RedisBroker(REDIS_URL, { nodeId: randomUUID(), channel }));
  opened.push(...nodes);
  await settleSubscriptions(nodes, REDIS_URL, channel);
  return nodes;
};

/**
 * A subscription is live a moment after its connection is ready: a prober node on the same
 * channel sends notices until every node has heard one.
 */
async function settleSubscriptions(nodes: RedisBroker[], url: string, channel: string): Promise<void> {
  const prober = new RedisBroker(url, { nodeId: "prober", channel });
  try {
    await eventually(() => nodes.every((n) => n.healthy()) && prober.healthy());
    const heard = new Set<RedisBroker>();
    for (const n of nodes) n.onNotice(() => heard.add(n));
    await eventually(() => {
      prober.notify({ type: "conversation_changed", conversationId: -1 });
      return heard.size === nodes.length;
    });
  } finally {
    await prober.close();
  }
}

function collect(broker: Broker): BrokerEvent[] {
  const got: BrokerEvent[] = [];
  broker.subscribe((e) => got.push(e));
  return got;
}

const event = (i: number): BrokerEvent => ({
  userIds: [1, 2],
  frame: JSON.stringify({ type: "message", content: `m${i} ünïcødé 💬 "quoted"\n` }),
  message: { conversationId: 7, seq: i, senderId: 1 },
  excludeConnectionId: `conn-${i}`,
});

/** The behaviour every broker has, whatever carries its events between nodes. */
function brokerBehaviour(makeNodes: MakeNodes, multiNode: boolean) {
  it("hands a node's own events to its subscribers at once, in order", async () => {
    const [a] = await makeNodes(1);
    const got = collect(a as Broker);
    for (let i = 1; i <= 3; i++) a?.publish(event(i));
    expect(got.map((e) => e.message?.seq)).toEqual([1, 2, 3]);
  });

  it("hands every event to the other nodes, in order, frame and fields intact (but the local exclusion), and not back to the publisher", async () => {
    const [a, b, c] = await makeNodes(3);
    const onA = collect(a as Broker);
    const onB = collect(b as Broker);
    const onC = collect(c as Broker);
    for (let i = 1; i <= 200; i++) a?.publish(event(i));
    await eventually(() => onB.length === 200 && onC.length === 200);
    // Connection ids are the publishing node's own: other nodes leave out nobody.
    const sent = Array.from({ length: 200 }, (_, i) => ({ ...event(i + 1), excludeConnectionId: undefined }));
    expect(onB).toEqual(sent);
    expect(onC).toEqual(sent);
    expect(onA).toEqual(Array.from({ length: 200 }, (_, i) => event(i + 1)));
  });

  it("passes notices to the other nodes only", async () => {
    const [a, b] = await makeNodes(2);
    const onA: ClusterNotice[] = [];
    const onB: ClusterNotice[] = [];
    a?.onNotice((n) => onA.push(n));
    b?.onNotice((n) => onB.push(n));
    a?.notify({ type: "conversation_changed", conversationId: 42 });
    await eventually(() => onB.some((n) => n.type === "conversation_changed" && n.conversationId === 42));
    // A fixed wait on purpose (a negative check): the notice must not come back to its publisher.
    await new Promise((r) => setTimeout(r, 50));
    expect(onA.filter((n) => n.type === "conversation_changed" && n.conversationId === 42)).toEqual([]);
  });

  it("says whether it is joined to other nodes", async () => {
    const [a] = await makeNodes(1);
    expect(a?.healthy()).toBe(true);
    expect(a?.status()).toBe(multiNode ? "up" : "none");
  });

  it("delivers nothing more once closed", async () => {
    const [a, b] = await makeNodes(2);
    const onB = collect(b as Broker);
    await b?.close();
    a?.publish(event(1));
    // A fixed wait on purpose (a negative check): a closed node must receive nothing.
    await new Promise((r) => setTimeout(r, 100));
    expect(onB).toEqual([]);
  });
}

describe("broker: in-process", () => brokerBehaviour(memoryNodes, false));
describeWithRedis("broker: Redis", () => brokerBehaviour(redisNodes, true));

describeWithRedis("broker: Redis outages", () => {
  const url = new URL(REDIS_URL);
  let relay: TcpRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
  });

  /** Node A reaches Redis through a relay the test can cut; B and C directly. */
  async function nodesWithCut(maxBuffered?: number) {
    relay = await TcpRelay.start(url.hostname, Number(url.port || 6379));
    const channel = `chatapp:test:${randomUUID()}`;
    const a = new RedisBroker(`redis://127.0.0.1:${relay.port}`, { nodeId: "a", channel, maxBuffered });
    const b = new RedisBroker(REDIS_URL, { nodeId: "b", channel });
    const c = new RedisBroker(REDIS_URL, { nodeId: "c", channel });
    opened.push(a, b, c);
    await settleSubscriptions([a, b, c], REDIS_URL, channel);
    return { a, b, c, relay };
  }

  it("keeps serving the node's own users, reports down, and publishes what waited once Redis is back", async () => {
    const { a, b, relay } = await nodesWithCut();
    const onA = collect(a);
    const onB = collect(b);
    relay.cutOff();
    await eventually(() => !a.healthy());
    expect(a.status()).toBe("down");
    for (let i = 1; i <= 50; i++) a.publish(event(i));
    expect(onA).toHaveLength(50); // same-node delivery goes on
    expect(onB).toHaveLength(0);
    relay.restore();
    await eventually(() => onB.length === 50, 15_000);
    expect(onB.map((e) => e.message?.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // The publisher is back (it published); the subscriber reconnects on its own schedule.
    await eventually(() => a.status() === "up");
  });

  it("asks its gateway to resync when its subscription comes back after a break", async () => {
    const { a, relay } = await nodesWithCut();
    let resyncs = 0;
    a.onResync(() => resyncs++);
    relay.cutOff();
    await eventually(() => !a.healthy());
    relay.restore();
    await eventually(() => resyncs === 1, 15_000);
  });

  it("survives its connection closing again while it re-subscribes (no unhandled rejection)", async () => {
    const { a, relay } = await nodesWithCut();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const sub = (a as unknown as { sub: import("ioredis").Redis }).sub;
      // The moment the subscriber is ready again, its SUBSCRIBE is on the wire, unanswered:
      // the connection goes down right then, as a flaky network's would.
      const downAgain = new Promise<void>((resolve) =>
        sub.once("ready", () => {
          sub.disconnect();
          resolve();
        }),
      );
      relay.cutOff();
      await eventually(() => !a.healthy());
      relay.restore();
      await downAgain;
      await eventually(() => sub.status === "end");
      // Rejections nobody handles are reported once the turns that made them are over.
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("tells the other nodes to resync when more waited than it could keep", async () => {
    const { a, b, c, relay } = await nodesWithCut(10);
    let bResyncs = 0;
    let cResyncs = 0;
    b.onResync(() => bResyncs++);
    c.onResync(() => cResyncs++);
    const onB = collect(b);
    relay.cutOff();
    await eventually(() => !a.healthy());
    for (let i = 1; i <= 11; i++) a.publish(event(i));
    relay.restore();
    await eventually(() => bResyncs === 1 && cResyncs === 1, 15_000);
    // The dropped events are not sent late; clients get them by resuming.
    a.publish(event(12));
    await eventually(() => onB.length === 1);
    expect(onB[0]?.message?.seq).toBe(12);
  });

  it("has the other nodes resync when a publish failed while the connection stayed up", async () => {
    const channel = `chatapp:test:${randomUUID()}`;
    const a = new RedisBroker(REDIS_URL, { nodeId: "a", channel });
    const b = new RedisBroker(REDIS_URL, { nodeId: "b", channel });
    opened.push(a, b);
    await settleSubscriptions([a, b], REDIS_URL, channel);
    let resyncs = 0;
    b.onResync(() => resyncs++);
    const onB = collect(b);
    // One publish answered with an error (a timeout, say) while Redis stays connected: it may
    // or may not have gone out, so it is not sent again (that could double or reorder it).
    const pub = (a as unknown as { pub: { publish: (...args: unknown[]) => Promise<number> } }).pub;
    const real = pub.publish.bind(pub);
    let failOnce = true;
    pub.publish = (...args: unknown[]) => {
      if (failOnce) {
        failOnce = false;
        return Promise.reject(new Error("Command timed out"));
      }
      return real(...args);
    };
    a.publish(event(1));
    await eventually(() => resyncs === 1, 5000);
    a.publish(event(2));
    await eventually(() => onB.some((e) => e.message?.seq === 2), 5000);
  });
});
