import type { Message } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { firstUnreadSeq, newFromOthers, timelineRows } from "./timeline-rows.js";

const at = (day: number, minute: number) => new Date(2026, 10, day, 10, minute).toISOString();
const message = (seq: number, sender: number, timestamp: string, extra: Partial<Message> = {}): Message => ({
  id: seq,
  conversation_id: 7,
  seq,
  sender_id: sender,
  content: `m${seq}`,
  timestamp,
  status: "sent",
  ...extra,
});

describe("timeline rows", () => {
  const messages = [
    message(1, 2, at(20, 0)),
    message(2, 2, at(20, 1)),
    message(3, 2, at(20, 30)),
    message(4, 3, at(20, 31)),
    message(5, 3, at(21, 0)),
    message(6, 3, at(21, 1)),
  ];
  const shape = (rows: ReturnType<typeof timelineRows>) =>
    rows.map((r) => (r.kind === "message" ? `${r.message.seq}${r.firstOfRun ? "*" : ""}` : r.kind));

  it("separates days and starts a run at a new sender, a pause or a new day", () => {
    expect(shape(timelineRows(messages, true, undefined))).toEqual(["start", "day", "1*", "2", "3*", "4*", "day", "5*", "6"]);
  });

  it("puts the unread divider above the first unread message, which heads a run", () => {
    expect(shape(timelineRows(messages, false, 6))).toEqual(["day", "1*", "2", "3*", "4*", "day", "5*", "unread", "6*"]);
  });

  it("puts the divider at the first message from someone else after the read position", () => {
    expect(firstUnreadSeq(messages, 0, 2)).toBe(4);
    expect(firstUnreadSeq(messages, 4, 2)).toBe(5);
    expect(firstUnreadSeq(messages, 6, 2)).toBeUndefined();
  });

  it("counts others' messages after a seq for the jump-to-latest button", () => {
    const system = message(7, 3, at(21, 2), { kind: "system" });
    expect(newFromOthers([...messages, system], 3, 2)).toBe(3);
    expect(newFromOthers(messages, 6, 2)).toBe(0);
  });
});
