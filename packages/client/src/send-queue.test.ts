import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Lanes } from "./lanes.js";
import { type PendingSend, SendQueue } from "./send-queue.js";

const BACKOFF = { initialMs: 100, maxMs: 100, factor: 2 };

function queue(timeoutMs = 0) {
  let due = 0;
  const q = new SendQueue<string>({
    timeoutMs,
    onTimeout: () => new Error("timeout"),
    onDue: () => due++,
    backoff: BACKOFF,
  });
  const outcomes = new Map<string, { value?: string; error?: string }>();
  const add = (clientId: string, lane = "c:1") => {
    const settled: { value?: string; error?: string } = {};
    outcomes.set(clientId, settled);
    return q.add({
      clientId,
      lane,
      frame: `{"client_id":"${clientId}"}`,
      resolve: (v) => (settled.value = v),
      reject: (e) => (settled.error = e.message),
    });
  };
  const ids = (sends: PendingSend<string>[]) => sends.map((s) => s.clientId);
  return { q, add, outcomes, ids, dueCalls: () => due };
}

describe("SendQueue", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("puts one send per conversation on the wire, the next once it is acked; conversations side by side", () => {
    const { q, add, ids, outcomes } = queue();
    for (const id of ["a1", "a2", "a3"]) add(id, "c:1");
    for (const id of ["b1", "b2"]) add(id, "c:2");
    expect(ids(q.due())).toEqual(["a1", "b1"]);
    expect(ids(q.due())).toEqual([]);
    q.resolve("a1", "ack");
    expect(outcomes.get("a1")?.value).toBe("ack");
    expect(ids(q.due())).toEqual(["a2"]);
    expect(q.size).toBe(4);
  });

  it("after a refusal for good, the next send of the conversation goes out", () => {
    const { q, add, ids, outcomes } = queue();
    add("a1");
    add("a2");
    expect(ids(q.due())).toEqual(["a1"]);
    q.reject("a1", new Error("too_large"));
    expect(outcomes.get("a1")?.error).toBe("too_large");
    expect(ids(q.due())).toEqual(["a2"]);
  });

  it("rate_limited: the same send again after exactly retry_after_ms, nothing before; then one at a time across conversations", () => {
    const { q, add, ids, dueCalls } = queue();
    add("a1", "c:1");
    add("a2", "c:1");
    add("b1", "c:2");
    expect(ids(q.due())).toEqual(["a1", "b1"]);
    q.rateLimited("a1", 250);
    q.resolve("b1", "ack");
    expect(ids(q.due())).toEqual([]);
    vi.advanceTimersByTime(249);
    expect(dueCalls()).toBe(0);
    expect(ids(q.due())).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(dueCalls()).toBe(1);
    expect(ids(q.due())).toEqual(["a1"]);
    add("b2", "c:2");
    // One on the wire at a time while the limit bites.
    expect(ids(q.due())).toEqual([]);
    q.resolve("a1", "ack");
    // Round robin: the other conversation's turn.
    expect(ids(q.due())).toEqual(["b2"]);
    q.resolve("b2", "ack");
    expect(ids(q.due())).toEqual(["a2"]);
    q.resolve("a2", "ack");
    // Empty: side by side again.
    add("a3", "c:1");
    add("b3", "c:2");
    expect(ids(q.due())).toEqual(["a3", "b3"]);
  });

  it("rate_limited without a retry time, and unavailable: the send waits a backoff, and keeps its place", () => {
    const { q, add, ids } = queue();
    add("a1");
    add("a2");
    expect(ids(q.due())).toEqual(["a1"]);
    q.unavailable("a1");
    expect(ids(q.due())).toEqual([]);
    vi.advanceTimersByTime(101);
    expect(ids(q.due())).toEqual(["a1"]);
    q.rateLimited("a1", undefined);
    vi.advanceTimersByTime(101);
    expect(ids(q.due())).toEqual(["a1"]);
  });

  it("after a reconnect, the send that was out (or waiting) goes out again at once", () => {
    const { q, add, ids } = queue();
    add("a1");
    add("a2");
    add("b1", "c:2");
    expect(ids(q.due())).toEqual(["a1", "b1"]);
    q.unavailable("b1");
    q.reconnected();
    expect(ids(q.due())).toEqual(["a1", "b1"]);
  });

  it("times out a send never sent by withdrawing it; one that went out stays at the head until the server answers", () => {
    const { q, add, ids, outcomes } = queue(1000);
    add("a1");
    add("a2");
    add("a3");
    expect(ids(q.due())).toEqual(["a1"]);
    vi.advanceTimersByTime(1001);
    expect([...outcomes.values()].map((o) => o.error)).toEqual(["timeout", "timeout", "timeout"]);
    expect(q.size).toBe(0);
    // a2 and a3 are gone; a1 may be stored yet, so a new send waits behind it.
    add("a4");
    q.reconnected();
    expect(ids(q.due())).toEqual(["a1"]);
    // The app retries a1 with its id: the new promise gets the server's answer.
    add("a1");
    q.resolve("a1", "late ack");
    expect(outcomes.get("a1")?.value).toBe("late ack");
    expect(ids(q.due())).toEqual(["a4"]);
  });

  it("refuses a second live send with the same client_id, and rejects everything on close", () => {
    const { q, add, outcomes } = queue();
    add("a1");
    const again = { clientId: "a1", lane: "c:1", frame: "{}", resolve: () => {}, reject: () => {} };
    expect(() => q.add(again)).toThrow(/already pending/);
    add("b1", "c:2");
    q.rejectAll(new Error("closed"));
    expect([...outcomes.values()].map((o) => o.error)).toEqual(["closed", "closed"]);
    expect(q.size).toBe(0);
  });
});

describe("Lanes", () => {
  it("puts the sends to a direct conversation in one lane, whether they name the user or the conversation", () => {
    const lanes = new Lanes();
    const busy = new Set<string>();
    expect(lanes.of({ receiverId: 2 }, (l) => busy.has(l))).toBe("u:2");
    busy.add("u:2");
    lanes.learn(2, 7);
    // Sends by user id are still queued: the conversation's sends join them.
    expect(lanes.of({ conversationId: 7 }, (l) => busy.has(l))).toBe("u:2");
    expect(lanes.of({ receiverId: 2 }, (l) => busy.has(l))).toBe("u:2");
    busy.clear();
    expect(lanes.of({ receiverId: 2 }, (l) => busy.has(l))).toBe("c:7");
    busy.add("c:7");
    expect(lanes.of({ receiverId: 2 }, (l) => busy.has(l))).toBe("c:7");
    expect(lanes.of({ conversationId: 8 }, (l) => busy.has(l))).toBe("c:8");
  });
});
