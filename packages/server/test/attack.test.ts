import v8 from "node:v8";
import vm from "node:vm";
import { describeEachDialect, eventually, startSuite, TestSocket } from "@chatapp/testkit";
import fc from "fast-check";
import { expect, it } from "vitest";

const MiB = 1024 * 1024;

// The server runs in this process: a full collection before each reading makes the heap comparable.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const settledHeap = async () => {
  // A settling pause, not a wait for an event: what is freed asynchronously (socket teardown) has none to wait on.
  await new Promise((r) => setTimeout(r, 200));
  gc();
  return process.memoryUsage().heapUsed;
};

/** Random frames of every bad kind: broken JSON, wrong shapes, deep nesting, huge numbers, binary, oversize. */
const hostileFrame = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => ({ data: s, binary: false })),
  fc.jsonValue({ maxDepth: 4 }).map((v) => ({ data: JSON.stringify(v) ?? "null", binary: false })),
  fc
    .record(
      {
        type: fc.oneof(fc.constantFrom("send", "read", "typing", "ping", "ack"), fc.anything()),
        receiver_id: fc.oneof(fc.integer(), fc.double(), fc.anything()),
        conversation_id: fc.oneof(fc.nat(), fc.constant(1e308), fc.anything()),
        content: fc.oneof(fc.string(), fc.anything()),
        client_id: fc.oneof(fc.string({ maxLength: 100 }), fc.anything()),
        seq: fc.anything(),
      },
      { requiredKeys: [] },
    )
    .map((v) => ({ data: JSON.stringify(v), binary: false })),
  fc.integer({ min: 10, max: 3000 }).map((n) => ({ data: `${"[".repeat(n)}${"]".repeat(n)}`, binary: false })),
  fc.constant({ data: `{"type":"read","conversation_id":${"9".repeat(400)},"seq":1}`, binary: false }),
  fc.uint8Array({ maxLength: 200 }).map((b) => ({ data: Buffer.from(b), binary: true })),
  fc.constant({ data: `{"type":"send","receiver_id":2,"content":"${"x".repeat(20_000)}"}`, binary: false }),
);

/** Attacks against a running server: it answers, stays up, serves others, and its memory settles. */
describeEachDialect(
  "attacks",
  (dialect) => {
    it("answers a storm of random and malformed frames with errors, stays up and keeps serving others", {
      timeout: 60_000,
    }, async () => {
      const suite = await startSuite(dialect);
      try {
        const bystander = await suite.connect(1801);
        const frames = fc.sample(hostileFrame, { numRuns: 1500, seed: 42 });
        const baseline = await settledHeap();
        const attacker = await suite.connect(1802);
        for (const f of frames) attacker.ws.send(f.data, { binary: f.binary });
        // A last frame with an answer of its own (hostile frames may be pings too): once it
        // is answered, every frame before it has been.
        attacker.send({ type: "send", receiver_id: 1801, content: "", client_id: "the-end" });
        await attacker.next((f) => f.type === "error" && f.client_id === "the-end", 20_000);
        // Every hostile frame was answered with an error (none is a valid frame but by chance
        // a ping or a typing, which answer nothing or a pong), and the socket is still open.
        expect(attacker.ofType("error").length).toBeGreaterThan(frames.length * 0.8);
        expect(attacker.ws.readyState).toBe(attacker.ws.OPEN);
        // Over the hard payload limit: closed with 1009, the server goes on.
        const big = await suite.connect(1803);
        big.ws.send("x".repeat(2 * MiB));
        expect(await big.waitClosed()).toBe(1009);
        await bystander.roundTrip();
        expect((await suite.server.http("/health")).status).toBe(200);
        // And the memory the storm took is given back.
        await attacker.close();
        expect((await settledHeap()) - baseline).toBeLessThan(8 * MiB);
      } finally {
        await suite.done();
      }
    });

    it("refuses a flood of connections past the per-address limit, with bounded memory and others unaffected", {
      timeout: 60_000,
    }, async () => {
      const suite = await startSuite(dialect, { env: { MAX_CONNECTIONS_PER_IP: "300" } });
      try {
        const bystander = await suite.connect(1901);
        const heapBefore = await settledHeap();
        const attempts = await Promise.allSettled(
          Array.from({ length: 600 }, async (_, i) =>
            TestSocket.open(suite.server.wsUrl, { headers: { authorization: `Bearer ${await suite.server.token(20_000 + i)}` } }),
          ),
        );
        const opened = attempts.filter((a) => a.status === "fulfilled");
        const refused = attempts.filter((a) => a.status === "rejected");
        expect(opened.length).toBe(299); // 300 with the bystander
        expect(refused.every((r) => (r as PromiseRejectedResult).reason?.status === 429)).toBe(true);
        await bystander.roundTrip();
        // The open ones cost a few KB each, not more (this process runs the server too).
        const grown = (await settledHeap()) - heapBefore;
        expect(grown / opened.length).toBeLessThan(64 * 1024);
        for (const a of opened) await (a as PromiseFulfilledResult<TestSocket>).value.close();
        await eventually(() => suite.server.app.gateway.registry.size === 1, 10_000, "the flood's sockets closed");
      } finally {
        await suite.done();
      }
    });
  },
  { only: ["sqlite"] },
);
