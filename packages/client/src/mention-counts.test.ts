import type { Message } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { MentionCounts } from "./mention-counts.js";

const ME = 1;
const message = (seq: number, extra: Partial<Message> = {}): Message => ({
  id: 100 + seq,
  conversation_id: 7,
  seq,
  sender_id: 2,
  content: "hi @me",
  timestamp: "2026-11-23T10:00:00.000Z",
  status: "sent",
  mentions: [ME],
  ...extra,
});

describe("MentionCounts", () => {
  it("starts from the ready frame and adds the mentions that arrive later, once each", () => {
    const counts = new MentionCounts();
    expect(counts.ready([{ id: 7, last_seq: 5, read_seq: 2, mention_count: 2 }])).toEqual([7]);
    // Already in the ready count (seq <= last_seq), not from someone else, not of me: no change.
    expect(counts.message(message(4), ME)).toBe(false);
    expect(counts.message(message(6, { sender_id: ME }), ME)).toBe(false);
    expect(counts.message(message(7, { mentions: [3] }), ME)).toBe(false);
    expect(counts.message(message(8), ME)).toBe(true);
    expect(counts.message(message(8), ME)).toBe(false);
    expect(counts.count(7)).toBe(3);
  });

  it("reading clears what it passes; a deleted mention stops counting", () => {
    const counts = new MentionCounts();
    counts.ready([{ id: 7, last_seq: 5, read_seq: 2, mention_count: 1 }]);
    counts.message(message(6), ME);
    counts.message(message(9), ME);
    expect(counts.read(7, 6)).toBe(true);
    expect(counts.count(7)).toBe(1);
    expect(counts.deleted(7, 9)).toBe(true);
    expect(counts.count(7)).toBe(0);
    counts.message(message(10), ME);
    expect(counts.read(7, 4)).toBe(false);
    expect(counts.read(7, 10)).toBe(true);
    expect(counts.count(7)).toBe(0);
  });

  it("counts conversations the ready frame did not know", () => {
    const counts = new MentionCounts();
    expect(counts.message(message(1, { conversation_id: 9 }), ME)).toBe(true);
    expect(counts.count(9)).toBe(1);
  });
});
