import type { Message } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { ConversationStream } from "./conversation-stream.js";

const m = (seq: number): Message => ({
  id: 1000 + seq,
  conversation_id: 7,
  seq,
  sender_id: 1,
  content: `m${seq}`,
  timestamp: "2026-11-23T10:00:00.000Z",
  status: "sent",
});
const seqs = (ms: Message[]) => ms.map((x) => x.seq);

describe("ConversationStream", () => {
  it("emits in seq order and each message once", () => {
    const s = new ConversationStream(7, 0);
    expect(seqs(s.accept(m(1)))).toEqual([1]);
    expect(seqs(s.accept(m(1)))).toEqual([]);
    expect(seqs(s.accept(m(2)))).toEqual([2]);
    expect(s.lastSeq).toBe(2);
    expect(s.hasGap).toBe(false);
  });

  it("holds messages ahead of a gap and reports the gap", () => {
    const s = new ConversationStream(7, 0);
    s.accept(m(1));
    expect(seqs(s.accept(m(4)))).toEqual([]);
    expect(seqs(s.accept(m(3)))).toEqual([]);
    expect(s.hasGap).toBe(true);
    expect(s.lastSeq).toBe(1);
    expect(seqs(s.accept(m(2)))).toEqual([2, 3, 4]);
    expect(s.hasGap).toBe(false);
    expect(seqs(s.accept(m(3)))).toEqual([]);
  });

  it("knows of messages it has not seen from the server's last_seq", () => {
    const s = new ConversationStream(7, 5);
    expect(seqs(s.accept(m(3)))).toEqual([]); // before its start
    s.knowUpTo(8);
    expect(s.hasGap).toBe(true);
    for (const seq of [6, 7, 8]) s.accept(m(seq));
    expect(s.hasGap).toBe(false);
    expect(s.lastSeq).toBe(8);
  });

  it("settles a stale hint so that it does not fetch forever", () => {
    const s = new ConversationStream(7, 2);
    s.knowUpTo(9);
    s.settle();
    expect(s.hasGap).toBe(false);
    s.accept(m(5));
    s.settle();
    expect(s.hasGap).toBe(true); // 3 and 4 are still missing before the buffered 5
  });
});
