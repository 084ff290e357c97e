import { describe, expect, it, vi } from "vitest";
import type { WebSocket } from "ws";
import type { BrokerEvent } from "../broker/broker.js";
import { Connection } from "./connection.js";

/** A socket that records what is written to it. */
function fakeSocket() {
  const written: string[] = [];
  const ws = {
    OPEN: 1,
    CONNECTING: 0,
    readyState: 1,
    bufferedAmount: 0,
    send(frame: string, cb?: (err?: Error) => void) {
      written.push(frame);
      cb?.();
    },
    close() {},
    terminate() {},
    once() {},
    off() {},
  };
  return { ws: ws as unknown as WebSocket, written };
}

const ME = 1;
const msg = (conversationId: number, seq: number, senderId = 2): BrokerEvent => ({
  userIds: [ME],
  frame: `${conversationId}:${seq}`,
  message: { conversationId, seq, senderId },
});

describe("Connection while syncing", () => {
  it("merges held live messages into the backlog by seq, writing each once", () => {
    const { ws, written } = fakeSocket();
    const delivered: string[] = [];
    const conn = new Connection(ws, ME, 1 << 20, (_u, c, s) => delivered.push(`${c}:${s}`));
    // Live while the backlog query runs: my other device's seq 2, others' 3 and 4, and 10 in
    // another conversation; a status frame too.
    conn.deliver(msg(7, 2, ME));
    conn.deliver(msg(7, 3));
    conn.deliver({ userIds: [ME], frame: "status" });
    conn.deliver(msg(7, 4));
    conn.deliver(msg(9, 10));
    expect(written).toEqual([]);
    // The backlog has others' 1, 3 and 4 of conversation 7.
    for (const seq of [1, 3, 4]) conn.sendBacklog({ conversationId: 7, seq, senderId: 2 }, `7:${seq}`);
    conn.finishSync();
    expect(written).toEqual(["7:1", "7:2", "7:3", "7:4", "status", "9:10"]);
    // The cursor moves for others' messages that were written, never for my own.
    expect(delivered).toEqual(["7:1", "7:3", "7:4", "9:10"]);
    // After sync, live events go straight out.
    conn.deliver(msg(7, 5));
    expect(written.at(-1)).toBe("7:5");
  });

  it("writes a held message the backlog did not carry before a later backlog message", () => {
    const { ws, written } = fakeSocket();
    const conn = new Connection(ws, ME, 1 << 20, () => {});
    // Seq 10 reached another device of mine first, so the backlog query starts above it.
    conn.deliver(msg(7, 10));
    conn.sendBacklog({ conversationId: 7, seq: 11, senderId: 2 }, "7:11");
    conn.finishSync();
    expect(written).toEqual(["7:10", "7:11"]);
  });

  it("holds frames past the bound back, and closes with 1013 a reader that takes none of its data", async () => {
    const { ws, written } = fakeSocket();
    let closedWith: number | undefined;
    (ws as any).close = (code: number) => {
      closedWith = code;
    };
    const conn = new Connection(ws, ME, 100, () => {}, 30);
    conn.finishSync();
    (ws as any).bufferedAmount = 101;
    conn.deliver(msg(7, 1));
    expect(written).toEqual([]);
    await vi.waitFor(() => expect(closedWith).toBe(1013), { timeout: 2000, interval: 5 });
  });

  it("holds live events up to the bound during the backlog, whatever the backlog has in flight", () => {
    const { ws } = fakeSocket();
    let closedWith: number | undefined;
    (ws as any).close = (code: number) => {
      closedWith = code;
    };
    const conn = new Connection(ws, ME, 1000, () => {});
    // The backlog keeps up to half the bound in flight to a reader that keeps up.
    (ws as any).bufferedAmount = 500;
    const live = (seq: number): BrokerEvent => ({ ...msg(7, seq), frame: "x".repeat(300) });
    for (let seq = 1; seq <= 3; seq++) conn.deliver(live(seq));
    expect(closedWith).toBeUndefined();
    // Past the bound in held events alone: a reader stuck in its sync goes.
    conn.deliver(live(4));
    expect(closedWith).toBe(1013);
  });
});
